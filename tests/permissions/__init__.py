"""The permission matrix (issue 5, DESIGN.md §8), split by app: see matrix.py for how to read a grid."""
