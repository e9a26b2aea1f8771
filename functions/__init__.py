"""Azure Functions glue: each module adapts bindings to one call into ``beast``."""
