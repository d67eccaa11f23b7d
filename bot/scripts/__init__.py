"""Trainers' YAML files → validated objects, with every problem reported as ``FILE:LINE:``."""
