"""Who may see and do what: the one place visibility and case actions are decided, one module per subject.

Relations decide the common cases and are expressed as query filters, so a list, a count, an export and a
single-record page all ask the same question (docs/decisions/0003). Records outside a user's filter answer 404.

RHI case work by provider staff (the deadline dashboard and queues) sees in full; everyone else sees an RHI at the
level of what was disclosed to their organisation (``access.levels.rhi_level``, docs/sharing.md) or through an
explicit one-off grant. The modules import only the domain apps' models and ``accounts.selectors`` (never their
services or views), so every app may ask them. docs/permissions.md lists which module owns which rule.
"""
