"""Tiny generated corpora for the explore tests, in English and (pre-segmented) Chinese.

Each sentence holds one person word and three context words, one for each of its attributes
(gender, royal or common, adult or young), shuffled. Words that share attributes share contexts,
so a small Word2Vec learns king - man + woman ≈ queen in a second. Written for these tests.
"""

from __future__ import annotations

import random

PEOPLE = {
    "en": {"king": "m royal old", "queen": "f royal old", "man": "m common old",
           "woman": "f common old", "prince": "m royal young", "princess": "f royal young",
           "boy": "m common young", "girl": "f common young"},
    "zh": {"国王": "m royal old", "王后": "f royal old", "男人": "m common old",
           "女人": "f common old", "王子": "m royal young", "公主": "f royal young",
           "男孩": "m common young", "女孩": "f common young"},
}
CONTEXTS = {
    "en": {"m": ["he", "his", "him", "sir"], "f": ["she", "her", "hers", "madam"],
           "royal": ["crown", "throne", "palace", "castle"],
           "common": ["street", "farm", "market", "village"],
           "old": ["adult", "grown", "elder", "senior"],
           "young": ["child", "little", "junior", "small"]},
    "zh": {"m": ["他", "先生", "父亲", "丈夫"], "f": ["她", "女士", "母亲", "妻子"],
           "royal": ["王冠", "宝座", "宫殿", "城堡"], "common": ["街道", "农场", "市场", "村庄"],
           "old": ["成年", "年长", "长辈", "大人"], "young": ["孩子", "小孩", "年幼", "童年"]},
}


def people_sentences(language: str = "en", count: int = 4000, seed: int = 0) -> list[list[str]]:
    """``count`` token lists in ``language`` ("en" or "zh")."""
    rng = random.Random(seed)
    people, contexts = PEOPLE[language], CONTEXTS[language]
    words = list(people)
    sentences = []
    for _ in range(count):
        word = rng.choice(words)
        tokens = [rng.choice(contexts[tag]) for tag in people[word].split()]
        rng.shuffle(tokens)
        tokens.insert(rng.randrange(len(tokens) + 1), word)
        sentences.append(tokens)
    return sentences


def train_vectors(sentences: list[list[str]], seed: int = 1):  # -> KeyedVectors
    """A small skip-gram model on ``sentences`` (one worker: reproducible), its vectors."""
    from lmbasics.word2vec.model import Word2Vec

    model = Word2Vec(sentences=sentences, vector_size=16, window=4, min_count=1, epochs=15,
                     sg=1, sample=0, seed=seed, workers=1)
    return model.wv
