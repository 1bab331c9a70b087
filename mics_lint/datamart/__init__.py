"""Checks against the customer's datamart schema (issue 18): `--datamart-schema`.

`sdl` reads the schema file (graphql-core, an optional extra), `model` holds what it says,
`walk` judges a record, `rules` declares MIC25x, `fast` is their fast check, `attach` adds
them to a file's document type. Nothing here imports graphql-core until a schema is read.
"""
