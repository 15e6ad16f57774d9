"""Event text classifier: training time, held-out quality, single-text latency and batch throughput.

    .venv/bin/python bench/classifier.py [--texts 2000] [--batch 256]

Needs no database rows: the model is trained from the shipped corpus into a temporary VAR_DIR (the
installed model under var/ is left alone). Prints JSON lines; latency in milliseconds per classify() call
on one text (the path an intake request takes), throughput in texts per second through classify_many().
"""

import argparse
import tempfile
import time

from _setup import emit, percentiles


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--texts", type=int, default=2000, help="single-text classify() calls to time")
    parser.add_argument("--batch", type=int, default=256, help="texts per classify_many() call")
    args = parser.parse_args()

    import django

    django.setup()
    from django.test import override_settings

    from yimen.events import classifier
    from yimen.events.classifier import corpus_samples

    samples = corpus_samples()
    texts = [text for text, _ in samples]
    with tempfile.TemporaryDirectory() as var_dir, override_settings(VAR_DIR=var_dir):
        t0 = time.perf_counter()
        model = classifier.train(samples)
        train_s = time.perf_counter() - t0
        classifier.model_save(model)
        emit("classifier", "train_seconds", train_s, "s", samples=len(samples), variant=model.meta["variant"])

        metrics = classifier.evaluate(samples)
        for key in ("accuracy", "top3_accuracy", "macro_f1", "triage_share", "dispatched_accuracy"):
            emit(
                "classifier",
                f"heldout_{key}",
                metrics[key],
                "ratio",
                test=metrics["test"],
                seed=metrics["seed"],
            )

        t0 = time.perf_counter()
        classifier.installed_model()
        emit("classifier", "load_seconds", time.perf_counter() - t0, "s")

        for text in texts[:50]:  # warm up
            classifier.classify(text)
        timings = []
        for i in range(args.texts):
            text = texts[(i * 7919) % len(texts)]
            t0 = time.perf_counter_ns()
            classifier.classify(text)
            timings.append(time.perf_counter_ns() - t0)
        for key, value in percentiles(timings).items():
            emit("classifier", f"classify_one_{key}", value, "ms", calls=len(timings))

        t0 = time.perf_counter()
        done = 0
        for start in range(0, len(texts), args.batch):
            done += len(classifier.classify_many(texts[start : start + args.batch]))
        elapsed = time.perf_counter() - t0
        emit(
            "classifier", "classify_batch_throughput", done / elapsed, "texts/s", batch=args.batch, texts=done
        )


if __name__ == "__main__":
    main()
