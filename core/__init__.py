"""The floor every app stands on: the project's error type and the API error body, money, encrypted
fields, the upload rule, strict integers, CSV cells, the client-IP rule and the API base pieces.
It imports no app of ours (docs/architecture.md, "Layers and ports")."""
