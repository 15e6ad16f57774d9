"""The witness: a second key, held by the district discipline office (纪委监委), that cosigns a checkpoint
only after checking it extends the last checkpoint it cosigned (c2sp.org/tlog-cosignature, cosignature/v1).

The witness keeps its own memory (`witness.state` next to its key, outside the log's database), so a log
operator who rewrites the database cannot make it forget what it saw: a different root at a size it has
cosigned, a smaller tree, or a bad consistency proof are all refused.
"""

from __future__ import annotations

import base64

from yimen.ledger import keys, merkle
from yimen.ledger.note import NoteError, Verifier, checkpoint_open


class WitnessRefused(Exception):
    """The witness will not cosign; the message says why."""


def last_seen() -> tuple[int, bytes] | None:
    state = keys.witness_state()
    if state is None:
        return None
    return int(state["size"]), base64.b64decode(state["root"])


def cosign(*, signed_note: str, proof: list[bytes], log: Verifier) -> str:
    """Check the log's signed checkpoint and the consistency proof from the last one cosigned; return the
    cosignature line to append to the note."""
    try:
        checkpoint, _ = checkpoint_open(signed_note, log)
    except NoteError as exc:
        raise WitnessRefused(f"log signature: {exc}") from exc
    seen = last_seen()
    if seen is not None:
        size0, root0 = seen
        if checkpoint.size < size0:
            raise WitnessRefused(f"already cosigned a larger tree ({size0} > {checkpoint.size})")
        if checkpoint.size == size0 and checkpoint.root != root0:
            raise WitnessRefused(f"fork: a different root at size {size0}")
        if size0 > 0 and checkpoint.size > size0:
            try:
                merkle.verify_consistency(
                    size1=size0, size2=checkpoint.size, root1=root0, root2=checkpoint.root, proof=proof
                )
            except merkle.ProofError as exc:
                raise WitnessRefused(f"consistency from {size0}: {exc}") from exc
    line = keys.witness_signer().signature_line(checkpoint.text())
    keys.witness_state_save(size=checkpoint.size, root_b64=base64.b64encode(checkpoint.root).decode())
    return line
