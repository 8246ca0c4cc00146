"""The HTTP face of newsdex: `api.app.create_app(settings)` builds the FastAPI app that
`newsdex serve` runs; `api.live` keeps it answering while the index changes."""
