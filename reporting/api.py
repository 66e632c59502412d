"""REST API for statutory returns (docs/api.md): start an export job, poll its progress, download the file.
The job is the web's (reporting.services.start_export, run by the same Celery task); only the performance
leads of the council (a council client with the returns:run scope) may run and fetch them."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import FileResponse
from django.urls import reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import exceptions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from access.reporting import visible_export_jobs
from accounts.api_auth import HasScope
from accounts.models import ApiScope, Organisation, OrganisationKind
from accounts.selectors import organisation_by_code
from api.callers import api_user, audit_view
from api.errors import Conflict, ErrorSerializer
from api.views import ApiView
from audit.models import AuditAction
from core.query_params import validate_date_in_range
from reporting import services
from reporting.models import ExportFormat, ExportJob, ExportState, ReturnKind

JOB_TYPE = "reporting.exportjob"
ERRORS = {
    code: OpenApiResponse(ErrorSerializer, description=text)
    for code, text in {
        400: "Invalid input: one error per field.",
        401: "No token, or a token unknown, revoked or expired.",
        403: "The client lacks the returns:run scope, or does not run returns for that council.",
        404: "No such export job, or one the caller did not start.",
        409: "The export has not finished.",
        429: "Too many requests from this client.",
    }.items()
}


class ExportRequestSerializer(serializers.Serializer):
    return_kind = serializers.ChoiceField(choices=ReturnKind.choices)
    local_authority = serializers.CharField(max_length=12, help_text="DfE LA code.")
    date_from = serializers.DateField(validators=[validate_date_in_range])
    date_to = serializers.DateField(validators=[validate_date_in_range])
    format = serializers.ChoiceField(choices=ExportFormat.choices)

    def validate_local_authority(self, value: str) -> Organisation:
        found = organisation_by_code(kind=OrganisationKind.LOCAL_AUTHORITY, code=value)
        if found is None:
            raise serializers.ValidationError("Enter a known DfE local authority code, like 333.")
        return found


class ExportJobSerializer(serializers.ModelSerializer[ExportJob]):
    return_kind = serializers.ChoiceField(choices=ReturnKind.choices)
    format = serializers.ChoiceField(choices=ExportFormat.choices)
    state = serializers.ChoiceField(choices=ExportState.choices)
    local_authority = serializers.CharField(source="local_authority.code")
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = ExportJob
        fields = [
            "id",
            "return_kind",
            "local_authority",
            "date_from",
            "date_to",
            "format",
            "state",
            "progress",
            "rows",
            "error",
            "created_at",
            "started_at",
            "finished_at",
            "download_url",
        ]
        read_only_fields = fields

    def get_download_url(self, job: ExportJob) -> str | None:
        if job.state != ExportState.DONE:
            return None
        request = self.context.get("request")
        path = reverse("api:return-file", args=[job.pk])
        return request.build_absolute_uri(path) if request is not None else path


def _own_job(request: Request, pk: int) -> ExportJob:
    job = visible_export_jobs(api_user(request)).select_related("local_authority").filter(pk=pk).first()
    if job is None:
        raise exceptions.NotFound()
    return job


class ReturnStartView(ApiView):
    permission_classes = [HasScope.of(ApiScope.RETURNS_RUN)]
    audit_object_type = JOB_TYPE

    @extend_schema(
        tags=["returns"],
        summary="Start an export of a statutory return",
        request=ExportRequestSerializer,
        responses={202: ExportJobSerializer, **{c: ERRORS[c] for c in (400, 401, 403, 429)}},
    )
    def post(self, request: Request) -> Response:
        payload = ExportRequestSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        try:
            job = services.start_export(
                by=api_user(request),
                return_kind=data["return_kind"],
                local_authority=data["local_authority"],
                date_from=data["date_from"],
                date_to=data["date_to"],
                fmt=data["format"],
            )
        except PermissionDenied:
            raise exceptions.PermissionDenied("This client does not run returns for that council.") from None
        job.local_authority = data["local_authority"]
        body = ExportJobSerializer(job, context={"request": request}).data
        return Response(body, status=status.HTTP_202_ACCEPTED)


class ReturnDetailView(ApiView):
    permission_classes = [HasScope.of(ApiScope.RETURNS_RUN)]
    audit_object_type = JOB_TYPE

    @extend_schema(
        tags=["returns"],
        summary="Poll an export job's progress",
        responses={200: ExportJobSerializer, **{c: ERRORS[c] for c in (401, 403, 404, 429)}},
    )
    def get(self, request: Request, pk: int) -> Response:
        job = _own_job(request, pk)
        audit_view(request, obj=job)
        return Response(ExportJobSerializer(job, context={"request": request}).data)


class ReturnFileView(ApiView):
    permission_classes = [HasScope.of(ApiScope.RETURNS_RUN)]
    audit_object_type = JOB_TYPE

    @extend_schema(
        tags=["returns"],
        summary="Download a finished export",
        responses={
            (200, "application/octet-stream"): OpenApiTypes.BINARY,
            **{c: ERRORS[c] for c in (401, 403, 404, 409, 429)},
        },
    )
    def get(self, request: Request, pk: int) -> FileResponse:
        job = _own_job(request, pk)
        if job.state != ExportState.DONE or not job.file:
            raise Conflict("The export has not finished: poll the job until its state is 'done'.")
        audit_view(
            request,
            obj=job,
            action=AuditAction.EXPORT,
            detail={"downloaded": True, "return": job.return_kind, "rows": job.rows},
        )
        return FileResponse(job.file.open("rb"), as_attachment=True, filename=job.filename)
