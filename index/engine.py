"""Builds as a Ray Data pipeline (`newsdex index --engine ray`): the same articles, passages and
vectors as a build in this process, made by Ray workers, on this machine or a cluster.

The pipeline: the files to read (index.articles.article_files, walked here) -> read and
cleaned in Ray tasks -> analysed (index.analysis: split, embedded, statements placed) by a
pool of actors, each loading the model once -> streamed back here in load order, where
index.build.Indexer keeps its books (added, changed, removed, skipped) and the store's writer
stores the `Analysed` values, exactly as for a local build. Articles whose content hash the
index already holds are not analysed.

Reading tasks ask for a quarter of a CPU and the actors for the rest between them: on a
2-CPU machine, actors asking for a whole CPU each take both, and the reading tasks that
feed them then wait forever for a CPU (measured here).
"""

from __future__ import annotations

import logging
import pickle
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from newsdex.errors import NewsdexError, StoreUnavailable
from newsdex.index.articles import Article, FirstSeen, Skipped, article_files, read_file

if TYPE_CHECKING:
    from newsdex.index.analysis import Analysed, Loaded
    from newsdex.settings import Settings

# CPU a reading task asks for: a fraction, so that the actors never take every CPU.
READ_CPUS = 0.25
# Least CPU a model worker may ask for: more workers than that on a machine only fight for its cores.
MIN_WORKER_CPUS = 0.25
# Articles a worker embeds per model call (about 250-500 passages of news).
ARTICLES_PER_BATCH = 64


def _ray():
    try:
        import ray
        import ray.data
    except ImportError:
        raise StoreUnavailable("--engine ray needs the scale extra: pip install 'newsdex[scale]'") from None
    return ray


def start_ray(address: str | None = None) -> Any:
    """Join the Ray cluster at `address` ("auto": the one this machine belongs to), or start
    a local Ray on every CPU here; a Ray already started in this process (a test's) is used."""
    ray = _ray()
    if not ray.is_initialized():
        try:
            ray.init(address=address, include_dashboard=False, log_to_driver=False, logging_level=logging.WARNING,
                     configure_logging=True)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            raise StoreUnavailable(f"cannot start or join Ray{f' at {address}' if address else ''}: {exc}") from exc
    context = ray.data.DataContext.get_current()
    context.execution_options.preserve_order = True  # articles come back in load order
    context.enable_progress_bars = False  # the build's own bar counts passages
    context.print_on_execution_start = False
    logging.getLogger("ray.data").setLevel(logging.WARNING)
    return ray


def worker_plan(ray, workers: int | None) -> tuple[int, float]:
    """(actors, CPUs each): every CPU but the readers' share, split among the actors, none
    asking for more than one machine has."""
    total = float(ray.cluster_resources().get("CPU", 1.0))
    largest = max((float(node["Resources"].get("CPU", 0.0)) for node in ray.nodes() if node.get("Alive")),
                  default=total)
    count = workers or max(1, int(total - READ_CPUS))
    each = min((total - READ_CPUS) / count, largest - READ_CPUS)
    if each < MIN_WORKER_CPUS:
        raise NewsdexError(f"--workers {count}: Ray has {total:g} CPUs, too few for {count} workers of at least "
                           f"{MIN_WORKER_CPUS:g} CPU and the readers")
    return count, each


def worker_settings(settings: Settings) -> Settings:
    """The settings the model workers load with: a relative model path or model cache made
    absolute here, since a worker on another node (or started by `ray start` elsewhere) reads
    paths from its own working directory. A model name that is no path here stays a name.
    Credentials stay behind, every one the settings mark secret (Settings.secret_fields, any
    field typed SecretStr), none named here: workers embed and never reach a store."""
    model = Path(settings.model).expanduser()
    update: dict[str, Any] = {}
    if not model.is_absolute() and model.exists():
        update["model"] = str(model.absolute())
    if settings.model_cache is not None:
        update["model_cache"] = settings.model_cache.expanduser().absolute()
    return settings.model_copy(update={**update, **dict.fromkeys(type(settings).secret_fields())})


def _read(unit: dict) -> list[dict]:
    """One file's articles (or why they are skipped), each as a row."""
    if unit["kind"] == "skip":
        return [{"n": unit["n"], "where": unit["where"], "item": unit["item"], "given": False}]
    if unit["kind"] == "given":
        return [{"n": unit["n"], "where": "", "item": unit["item"], "given": True}]
    return [{"n": unit["n"], "where": where, "item": pickle.dumps(item), "given": False}
            for where, item in read_file(Path(unit["path"]), unit["article_id"])]


class _Analyser:
    """A Ray actor: loads the model once, then analyses batches of articles as a local build would."""

    def __init__(self, settings_json: str, int8_config: str | None, known: dict[str, str]) -> None:
        from newsdex.index.analysis import Analyser
        from newsdex.index.embedder import Embedder
        from newsdex.settings import Settings

        settings = Settings.model_validate_json(settings_json)
        self.analyser = Analyser(settings, Embedder.from_settings(settings, int8_config))
        self.known = known

    def __call__(self, batch: dict) -> dict:
        items = [pickle.loads(raw) for raw in batch["item"]]
        todo = [n for n, item in enumerate(items)
                if isinstance(item, Article) and self.known.get(item.id) != item.content_hash]
        analysed: list[bytes] = [b""] * len(items)
        for n, result in zip(todo, self.analyser.analyse([items[n] for n in todo])):
            analysed[n] = pickle.dumps(result)
        return {**batch, "analysed": analysed}


def ray_articles(settings: Settings, int8_config: str | None, paths: Sequence[Path], carried: Sequence[Article],
                 known: dict[str, tuple[str, str | None]], ids: dict[str, str] | None = None) -> Iterator[Loaded]:
    """What index.build.Indexer reads, in load order, read and analysed by Ray (see the module
    docstring); `int8_config` is the driver's model's, so the workers' vectors are of its family."""
    ray = start_ray(settings.ray_address)
    units: list[dict] = []
    for found in article_files(paths, follow_links=settings.follow_links, root=settings.root, ids=ids):
        if isinstance(found, Skipped):
            units.append({"kind": "skip", "where": found.path, "item": pickle.dumps(found)})
        else:
            units.append({"kind": "file", "path": str(found[0].absolute()), "article_id": found[1]})
    units += [{"kind": "given", "item": pickle.dumps(article)} for article in carried]
    if not units:
        return
    for n, unit in enumerate(units):
        unit["n"] = n
    count, each = worker_plan(ray, settings.workers)
    dataset = (ray.data.from_items(units, override_num_blocks=min(len(units), 4 * count + 4))
               .flat_map(_read, num_cpus=READ_CPUS)
               .map_batches(_Analyser, batch_size=ARTICLES_PER_BATCH, num_cpus=each,
                            compute=ray.data.ActorPoolStrategy(size=count),
                            fn_constructor_kwargs={
                                "settings_json": worker_settings(settings).model_dump_json(),
                                "int8_config": int8_config,
                                "known": {article_id: digest for article_id, (digest, _) in known.items()}}))
    seen = FirstSeen()
    try:
        for row in dataset.iter_rows():
            item = pickle.loads(row["item"])
            analysed: Analysed | None = pickle.loads(row["analysed"]) if row["analysed"] else None
            yield bool(row["given"]), (item if row["given"] else seen.check(row["where"], item)), analysed
    except ray.exceptions.RayError as exc:
        raise NewsdexError(f"the Ray build failed: {str(exc).splitlines()[0]}") from exc
