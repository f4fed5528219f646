"""Does a Sastrawi stemmer after normalization help the classifier? (It did not; see README.)

Needs `pip install PySastrawi==1.2.1`, which the project does not otherwise use.
Prints 5-fold CV macro-F1 over the corpus and macro-F1 on the hand-written examples
when training on the generated ones only, with and without stemming.
"""
from __future__ import annotations

import time
from functools import lru_cache

from sklearn.metrics import f1_score
from sklearn.model_selection import StratifiedKFold, cross_val_predict

from triage.classifier.normalize import normalize
from triage.classifier.candidates import SEED, unfitted_pipeline
from triage.classifier.training import classifier_texts, read_examples
from triage.settings import PROJECT_ROOT


def main() -> None:
    from Sastrawi.Stemmer.StemmerFactory import StemmerFactory

    stemmer = StemmerFactory().create_stemmer()

    @lru_cache(maxsize=None)
    def stem_word(word: str) -> str:
        return stemmer.stem(word) if word.isalpha() else word

    corpus = PROJECT_ROOT / "data" / "training"
    generated = read_examples(corpus / "generated.jsonl")
    written = read_examples(corpus / "written.jsonl")
    examples = generated + written
    labels = [e.label for e in examples]
    base = [normalize(t) for t in classifier_texts(examples)]
    start = time.perf_counter()
    stemmed = [" ".join(stem_word(w) for w in t.split()) for t in base]
    cost = (time.perf_counter() - start) / len(base) * 1e6
    folds = StratifiedKFold(5, shuffle=True, random_state=SEED)
    n = len(generated)
    for name, texts in (("normalize only", base), ("normalize + Sastrawi", stemmed)):
        cv = cross_val_predict(unfitted_pipeline("tfidf_logreg"), texts, labels, cv=folds)
        held = unfitted_pipeline("tfidf_logreg").fit(texts[:n], labels[:n]).predict(texts[n:])
        print(
            f"{name:22s} cv macro-F1 {f1_score(labels, cv, average='macro'):.4f}  "
            f"generated->written macro-F1 {f1_score(labels[n:], held, average='macro'):.4f}"
        )
    print(f"stemming cost {cost:.0f} us/message (cached per word)")


if __name__ == "__main__":
    main()
