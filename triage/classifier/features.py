"""Word and character n-gram TF-IDF features, computed fast enough for a live queue.

Fitting uses scikit-learn's own TfidfVectorizers (word 1-2 grams and char_wb n-grams),
so the learned vocabulary and idf are exactly theirs. Transforming is where the time
goes: scikit-learn builds every character n-gram of every word of every message in
Python. Messages repeat words far more than they repeat texts, so the feature indices
of each distinct word are computed once and cached; a message then costs one dict
lookup per word. The output equals scikit-learn's union of the two vectorizers (a test
checks it), so the linear model sees the same features either way.
"""
from __future__ import annotations

from typing import Iterable, Optional, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.feature_extraction.text import TfidfVectorizer

CACHE_LIMIT = 200_000  # distinct words kept; hostile input cannot grow memory past this


class CachedNgramTfidf(TransformerMixin, BaseEstimator):
    """The union of a word and a char_wb TfidfVectorizer (sublinear tf, l2 per block)."""

    def __init__(
        self,
        word_ngram_range: tuple[int, int] = (1, 2),
        char_ngram_range: tuple[int, int] = (2, 5),
        word_min_df: int = 1,
        char_min_df: int = 2,
    ) -> None:
        self.word_ngram_range = word_ngram_range
        self.char_ngram_range = char_ngram_range
        self.word_min_df = word_min_df
        self.char_min_df = char_min_df

    # -- fitting: scikit-learn's vectorizers decide vocabulary and idf ----------------
    def _vectorizers(self) -> tuple[TfidfVectorizer, TfidfVectorizer]:
        word = TfidfVectorizer(
            ngram_range=self.word_ngram_range, sublinear_tf=True, min_df=self.word_min_df, lowercase=False
        )
        char = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=self.char_ngram_range,
            sublinear_tf=True,
            min_df=self.char_min_df,
            lowercase=False,
        )
        return word, char

    def fit(self, texts: Iterable[str], y: object = None) -> "CachedNgramTfidf":
        texts = list(texts)
        word, char = self._vectorizers()
        word.fit(texts)
        char.fit(texts)
        for vectorizer in (word, char):
            # The terms min_df dropped: only for introspection, and most of the file's size.
            if hasattr(vectorizer, "stop_words_"):
                del vectorizer.stop_words_
        self.word_vectorizer_ = word
        self.char_vectorizer_ = char
        self.n_word_features_ = len(word.vocabulary_)
        return self

    def reference_transform(self, texts: Sequence[str]) -> sp.csr_matrix:
        """scikit-learn's own (slow) transform, kept to check the fast one against."""
        return sp.hstack(
            [self.word_vectorizer_.transform(texts), self.char_vectorizer_.transform(texts)], format="csr"
        )

    # -- transforming: cached per word -------------------------------------------------
    def _prepare(self) -> None:
        self._word_vocab = self.word_vectorizer_.vocabulary_
        self._char_vocab = self.char_vectorizer_.vocabulary_
        self._word_tokenize = self.word_vectorizer_.build_tokenizer()
        self._char_ngrams = self.char_vectorizer_.build_analyzer()
        self._idf = np.concatenate([self.word_vectorizer_.idf_, self.char_vectorizer_.idf_])
        self._char_cache: dict[str, np.ndarray] = {}
        lo, hi = self.word_ngram_range
        self._unigrams = lo <= 1 <= hi
        self._bigrams = lo <= 2 <= hi
        if hi > 2:
            raise ValueError("the fast path handles word n-grams up to 2")

    def __getstate__(self) -> dict:
        # Caches are rebuilt on first use; they are not part of the model.
        return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}

    def _char_indices(self, token: str) -> np.ndarray:
        cached = self._char_cache.get(token)
        if cached is None:
            vocab = self._char_vocab
            # Offset past the word block: one matrix holds both blocks.
            cached = np.array(
                [vocab[g] + self.n_word_features_ for g in self._char_ngrams(token) if g in vocab], dtype=np.int32
            )
            if len(self._char_cache) >= CACHE_LIMIT:
                self._char_cache.clear()
            self._char_cache[token] = cached
        return cached

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        if not hasattr(self, "_char_cache"):
            self._prepare()
        word_vocab_get = self._word_vocab.get
        char_cache_get = self._char_cache.get
        char_indices = self._char_indices
        tokenize = self._word_tokenize
        unigrams, bigrams = self._unigrams, self._bigrams
        parts: list[np.ndarray] = []
        indptr = [0]
        total = 0
        for text in texts:
            words = tokenize(text)
            ids: list[int] = []
            if unigrams:
                ids.extend(i for i in map(word_vocab_get, words) if i is not None)
            if bigrams and len(words) > 1:
                ids.extend(i for i in map(word_vocab_get, map(" ".join, zip(words, words[1:]))) if i is not None)
            if ids:
                parts.append(np.array(ids, dtype=np.int32))
                total += len(ids)
            for token in text.split():
                cached = char_cache_get(token)
                if cached is None:
                    cached = char_indices(token)
                parts.append(cached)
                total += len(cached)
            indptr.append(total)
        indices = np.concatenate(parts) if parts else np.zeros(0, dtype=np.int32)
        return self._tfidf(indices, np.asarray(indptr, dtype=np.int64))

    def _tfidf(self, indices: np.ndarray, indptr: np.ndarray) -> sp.csr_matrix:
        """Counts -> sublinear tf -> idf -> l2 per block, as the two TfidfVectorizers do."""
        n_rows = len(indptr) - 1
        n_word = self.n_word_features_
        matrix = sp.csr_matrix(
            (np.ones(len(indices), dtype=np.float64), indices, indptr),
            shape=(n_rows, n_word + len(self._char_vocab)),
        )
        matrix.sum_duplicates()
        data, cols = matrix.data, matrix.indices
        np.log(data, out=data)
        data += 1.0
        data *= self._idf[cols]
        # After sum_duplicates each row holds its word columns, then its char columns:
        # the l2 norm of each block is a difference of a running sum of squares.
        ptr = matrix.indptr
        # A trailing zero keeps reduceat in bounds for empty rows, which then count 0.
        is_word = np.append(cols < n_word, False).astype(np.int64)
        word_end = ptr[:-1] + np.add.reduceat(is_word, ptr[:-1]) * (np.diff(ptr) > 0)
        running = np.concatenate([[0.0], np.cumsum(data * data)])
        word_norm = np.sqrt(running[word_end] - running[ptr[:-1]])
        char_norm = np.sqrt(running[ptr[1:]] - running[word_end])
        lengths = np.stack([word_end - ptr[:-1], ptr[1:] - word_end], axis=1).ravel()
        norms = np.stack([word_norm, char_norm], axis=1).ravel()
        norms[norms == 0.0] = 1.0
        data /= np.repeat(norms, lengths)
        return matrix

    def get_feature_names_out(self, input_features: Optional[object] = None) -> np.ndarray:
        return np.concatenate(
            [self.word_vectorizer_.get_feature_names_out(), self.char_vectorizer_.get_feature_names_out()]
        )

