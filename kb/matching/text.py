"""Text handling shared by the embedder and the keyword ranker: what is embedded, tokens, stop words."""
from __future__ import annotations

import hashlib
import re
import unicodedata

# Function words of the four working languages; they carry no topical signal for BM25.
STOP_WORDS = frozenset(["a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "by", "from", "at", "as", "is", "are", "be", "was", "were", "been", "being", "that", "this", "these", "those", "it", "its", "we", "our", "you", "your", "their", "they", "them", "can", "could", "will", "would", "should", "may", "might", "must", "not", "no", "into", "about", "over", "under", "than", "then", "also", "more", "most", "such", "which", "who", "whom", "whose", "what", "when", "where", "how", "all", "any", "each", "both", "other", "some", "very", "well", "through", "de", "la", "el", "los", "las", "y", "o", "en", "con", "por", "para", "del", "al", "un", "una", "unos", "unas", "que", "se", "su", "sus", "es", "son", "como", "mas", "lo", "le", "les", "nuestro", "nuestra", "nuestros", "nuestras", "este", "esta", "estos", "estas", "ese", "esa", "entre", "sobre", "sin", "tambien", "muy", "ya", "hay", "ha", "han", "do", "da", "dos", "das", "e", "em", "no", "na", "nos", "nas", "com", "um", "uma", "uns", "umas", "seu", "sua", "seus", "suas", "sao", "ao", "aos", "pelo", "pela", "pelos", "pelas", "nosso", "nossa", "nossos", "nossas", "isso", "entre", "sobre", "sem", "tambem", "muito", "ja", "ha", "du", "des", "le", "et", "ou", "dans", "avec", "pour", "une", "qui", "sa", "son", "ses", "est", "sont", "comme", "plus", "au", "aux", "ce", "cette", "ces", "notre", "nos", "leur", "leurs", "il", "elle", "ils", "elles", "sur", "pas", "ne", "par", "entre", "sans", "aussi", "tres", "deja"])

_TOKEN = re.compile(r"[a-z0-9]+")


# Combining marks of the Latin-script blocks (tokens keep only a-z and 0-9, so marks of other scripts,
# which never sit inside a Latin word, make no difference to them).
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]+")


def fold(text: str) -> str:
    """Lower-case and strip accents, so 'formación' and 'formacion' meet (ASCII text: a lower() only)."""
    text = text.lower()
    if text.isascii():
        return text
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text))


def tokenize(text: str) -> list[str]:
    """Accent-folded word tokens without stop words, cut to 6 characters.

    The cut is a crude stemmer that works alike in the four languages (formation / formación /
    formação / formar all become 'formac' or 'formar'), which matters more here than precision.
    """
    return [t[:6] for t in _TOKEN.findall(fold(text)) if len(t) > 1 and t not in STOP_WORDS]


# Sentences that only restate structured fields ("Delivery: expert missions. Working languages:
# Spanish, English."). Those facts are matched as fields; left in the text they pull the embedding
# towards records that share a language or a delivery mode rather than a subject.
_FIELD_LABELS = (
    r"delivery|modalit(?:y|ies)|working languages?|languages?|"
    r"modalidad(?:es)?|entrega|idiomas?(?: de trabajo)?|"
    r"modalidades?|l[ií]nguas?(?: de trabalho)?|idiomas? de trabalho|"
    r"modalit[eé]s?|langues?(?: de travail)?"
)
_FIELD_SENTENCE = re.compile(rf"(?:^|(?<=[.!?]))\s*(?:{_FIELD_LABELS})\s*:[^.!?]*[.!?]?", re.IGNORECASE)


def strip_field_sentences(description: str) -> str:
    """The description without sentences that only list structured fields."""
    stripped = _FIELD_SENTENCE.sub("", description).strip()
    return stripped or description.strip()


def record_text(title: str, description: str) -> str:
    """The text embedded and indexed for a request or offer."""
    return f"{title.strip()}. {strip_field_sentences(description)}"


def text_hash(model_name: str, text: str) -> str:
    """Content hash of what was embedded and with which model: unchanged text is never re-embedded."""
    return hashlib.sha256(f"{model_name}\x00{text}".encode()).hexdigest()
