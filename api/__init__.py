"""The HTTP face of newsdex (installed as `newsdex.api`): `create_app(settings)` in app.py
builds the FastAPI app that `newsdex serve` runs; live.py keeps it answering while the
index changes."""
