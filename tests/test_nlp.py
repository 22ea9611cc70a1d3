"""The built pipeline: saved and loaded with spacy.load (no import of ours), and multi-process."""

import json
import subprocess
import sys

import pytest

TEXTS = ["hemoglobin ≥60g/L, platelet count ≥30×109/L;", "AST and ALT≤3.0 ULN", "no obvious abnormality in ECG",
         "Age: ≥5 years and <17 years old", "mRSS score in the range of 10-35 (including the boundary value)"] * 4


@pytest.fixture(scope="module")
def model_dir(nlp, tmp_path_factory):
    path = tmp_path_factory.mktemp("model") / "eligex"
    nlp.to_disk(path)
    return path


def test_spacy_load_needs_no_import(model_dir):
    code = (
        "import json, sys, spacy\n"
        f"nlp = spacy.load({str(model_dir)!r})\n"
        "doc = nlp('hemoglobin ≥60g/L')\n"
        "print(json.dumps([nlp.pipe_names, doc._.eligex['constraints'][0]['subject']]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    names, subject = json.loads(out.stdout.strip().splitlines()[-1])
    assert names == ["eligex_sentences", "eligex_entities", "eligex_abbreviations", "eligex_shapes",
                     "eligex_context", "eligex_constraints"]
    assert subject == "hemoglobin"


def test_saved_rules_round_trip(nlp, model_dir):
    import spacy

    loaded = spacy.load(model_dir)
    for text in TEXTS[:5]:
        assert loaded(text)._.eligex == nlp(text)._.eligex


def test_doc_serialises(nlp):
    from spacy.tokens import Doc

    doc = nlp("no obvious abnormality in electrocardiogram; LVEF ≥55%")
    again = Doc(nlp.vocab).from_bytes(doc.to_bytes())
    assert again._.eligex == doc._.eligex


@pytest.mark.slow
def test_two_processes_give_the_same_results(nlp):
    one = [d._.eligex for d in nlp.pipe(TEXTS, n_process=1)]
    two = [d._.eligex for d in nlp.pipe(TEXTS, n_process=2, batch_size=4)]
    assert one == two


def test_pipeline_pickles(nlp):
    """spawn-based multiprocessing (Windows, or spaCy's n_process>1 there) pickles the pipeline:
    components rebuild what does not pickle (medspaCy rules, Aho-Corasick automata)."""
    import pickle

    texts = ["platelet count ≥ 100 × 10^9/L", "no history of lupus nephritis", "Age 18-75 years; ECOG 0-1",
             "creatinine ≤ 1.5 mg/dL"]
    nlp.get_pipe("eligex_constraints").units.ureg  # a pint registry already made must not stop pickling
    again = pickle.loads(pickle.dumps(nlp))
    assert [d._.eligex for d in again.pipe(texts)] == [d._.eligex for d in nlp.pipe(texts)]
