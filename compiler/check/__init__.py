"""The front end's checks: the pipeline from source to a checked Space, the lowering of
the syntax model, the grammar's checks and the shape check."""
