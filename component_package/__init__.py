"""The components served to every Pulumi language through Pulumi's component provider host.

`generate` writes `served.py` from the pydantic models and the Python components; `inputs` turns what
the host hands over back into the stack file's shape and validates it with the same models.
"""
