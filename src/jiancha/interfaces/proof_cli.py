"""`jiancha proof`: check the platform's signed checkpoints and proofs, as an outside witness would.

The proofs come from the database (`JIANCHA_DATABASE_URL`) or, with `--server URL`, from a running
platform's API (plain urllib). Every check prints OK or why not; a failed check exits 1.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from typing import Annotated, Any, NoReturn, Protocol

import typer

from jiancha.domain.errors import Rejected

proof_app = typer.Typer(
    help="Check signed checkpoints and Merkle proofs over the ledger (exit 1 when one fails).",
    no_args_is_help=True,
)

Server = Annotated[
    str | None,
    typer.Option(help="A running platform's address, e.g. http://127.0.0.1:8000; default: the database."),
]
Keys = Annotated[
    list[str] | None,
    typer.Option(
        "--key",
        help="A trusted public key: 64 hex digits, or a file holding them or a PEM key. Repeatable; "
        "default: the keys the platform publishes.",
    ),
]


class Unavailable(Exception):
    """The source could not give what was asked (no checkpoint yet, a size beyond it...)."""


class Source(Protocol):
    def checkpoint(self, tree_size: int | None) -> dict[str, Any]: ...
    def keys(self) -> dict[str, Any]: ...
    def inclusion(self, seq: int, tree_size: int) -> dict[str, Any]: ...
    def consistency(self, old: int, new: int) -> dict[str, Any]: ...


class DatabaseSource:
    def __init__(self) -> None:
        from jiancha.store.database import Database

        self.db = Database()

    def checkpoint(self, tree_size: int | None) -> dict[str, Any]:
        from jiancha.services import checkpoints

        found = checkpoints.latest(self.db) if tree_size is None else checkpoints.at_size(self.db, tree_size)
        if found is None:
            raise Unavailable("no checkpoint" + (f" of tree size {tree_size}" if tree_size else " yet"))
        return found.as_json()

    def keys(self) -> dict[str, Any]:
        from jiancha.services import checkpoints

        return checkpoints.public_keys(self.db)

    def inclusion(self, seq: int, tree_size: int) -> dict[str, Any]:
        from jiancha.services import checkpoints

        return _answer(lambda: checkpoints.inclusion(self.db, seq, tree_size))

    def consistency(self, old: int, new: int) -> dict[str, Any]:
        from jiancha.services import checkpoints

        return _answer(lambda: checkpoints.consistency(self.db, old, new))


def _answer(ask: Any) -> dict[str, Any]:
    try:
        result: dict[str, Any] = ask()
    except Rejected as e:
        raise Unavailable(str(e)) from e
    return result


class ServerSource:
    def __init__(self, base: str) -> None:
        self.base = base.rstrip("/") + "/api/v1"

    def _get(self, path: str, **query: int) -> dict[str, Any]:
        url = self.base + path + ("?" + urllib.parse.urlencode(query) if query else "")
        try:
            with urllib.request.urlopen(url, timeout=60) as response:
                data: dict[str, Any] = json.load(response)
        except urllib.error.HTTPError as e:
            try:
                error = json.load(e)["error"]
                why = f"{error['message_en']} / {error['message_zh']} {error.get('problems', '')}"
            except (ValueError, KeyError, TypeError):
                why = str(e)
            raise Unavailable(f"{url}: {why}") from e
        except (urllib.error.URLError, OSError, ValueError) as e:
            raise Unavailable(f"{url}: {e}") from e
        return data

    def checkpoint(self, tree_size: int | None) -> dict[str, Any]:
        return self._get(f"/checkpoints/{tree_size or 'latest'}")

    def keys(self) -> dict[str, Any]:
        return self._get("/checkpoints/public-key")

    def inclusion(self, seq: int, tree_size: int) -> dict[str, Any]:
        return self._get("/proofs/inclusion", seq=seq, tree_size=tree_size)

    def consistency(self, old: int, new: int) -> dict[str, Any]:
        return self._get("/proofs/consistency", old=old, new=new)


def _source(server: str | None) -> Source:
    return ServerSource(server) if server else DatabaseSource()


def _trusted(source: Source, given: list[str] | None) -> dict[str, bytes]:
    from jiancha.domain.integrity.checkpoint import key_id

    raws = (
        [_read_key(k) for k in given]
        if given
        else [bytes.fromhex(k["public_key"]) for k in source.keys()["keys"]]
    )
    return {key_id(raw): raw for raw in raws}


def _read_key(given: str) -> bytes:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_pem_public_key

    from jiancha.domain.integrity.checkpoint import raw_public_key

    text = Path(given).read_text().strip() if Path(given).is_file() else given.strip()
    if text.startswith("-----BEGIN"):
        key = load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise typer.BadParameter(f"{given} is not an Ed25519 public key", param_hint="--key")
        return raw_public_key(key)
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raw = b""
    if len(raw) != 32:
        raise typer.BadParameter("expected 64 hex digits, a file of them, or a PEM key", param_hint="--key")
    return raw


def _load(data: Any, what: str) -> Any:
    from jiancha.domain.integrity.checkpoint import from_json

    try:
        return from_json(data)
    except ValueError as e:
        _failed(f"{what} is not a checkpoint: {e}")


def _read_checkpoint(path: Path) -> Any:
    try:
        data = json.loads(path.read_bytes())
    except (OSError, ValueError) as e:
        _failed(f"cannot read {path}: {e}")
    return _load(data, str(path))


def _failed(why: str) -> NoReturn:
    typer.echo(f"FAILED: {why}")
    raise typer.Exit(code=1)


@proof_app.command("consistency")
def consistency(
    old: Annotated[Path, typer.Option(help="The checkpoint JSON the witness kept.", dir_okay=False)],
    new: Annotated[
        Path | None, typer.Option(help="A later checkpoint JSON; default: the latest.", dir_okay=False)
    ] = None,
    server: Server = None,
    key: Keys = None,
) -> None:
    """Check that the ledger of a later checkpoint extends that of an old one: nothing rewritten."""
    from jiancha.domain.integrity import witness

    source = _source(server)
    first = _read_checkpoint(old)
    try:
        second = _read_checkpoint(new) if new else _load(source.checkpoint(None), "the latest checkpoint")
        keys = _trusted(source, key)
        proof = source.consistency(first.tree_size, second.tree_size)["proof"]
    except Unavailable as e:
        _failed(str(e))
    why = witness.consistency(first, second, [bytes.fromhex(h) for h in proof], keys)
    if why:
        _failed(why)
    typer.echo(
        f"OK: checkpoint {second.tree_size} ({second.time}) extends checkpoint {first.tree_size} "
        f"({first.time}) of {first.origin}; signed by key {', '.join(sorted({first.key_id, second.key_id}))}"
    )


@proof_app.command("inclusion")
def inclusion(
    seq: Annotated[int, typer.Option(min=1, help="The ledger entry's sequence number.")],
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="A checkpoint JSON to check against; default: the latest.", dir_okay=False),
    ] = None,
    entry_hash: Annotated[
        str | None, typer.Option(help="The entry hash you hold (hex); default: the one the platform gives.")
    ] = None,
    server: Server = None,
    key: Keys = None,
) -> None:
    """Check that a ledger entry is in a signed checkpoint."""
    from jiancha.domain.integrity import witness

    source = _source(server)
    try:
        signed = (
            _read_checkpoint(checkpoint)
            if checkpoint
            else _load(source.checkpoint(None), "the latest checkpoint")
        )
        keys = _trusted(source, key)
        answer = source.inclusion(seq, signed.tree_size)
    except Unavailable as e:
        _failed(str(e))
    held = entry_hash or answer["entry_hash"]
    try:
        held_bytes = bytes.fromhex(held)
    except ValueError:
        raise typer.BadParameter("expected hexadecimal", param_hint="--entry-hash") from None
    why = witness.inclusion(signed, seq, held_bytes, [bytes.fromhex(h) for h in answer["proof"]], keys)
    if why:
        _failed(why)
    typer.echo(
        f"OK: ledger entry {seq} ({held}) is in checkpoint {signed.tree_size} ({signed.time}), "
        f"signed by key {signed.key_id}"
    )


@proof_app.command("key")
def key_command(server: Server = None) -> None:
    """Print the platform's public keys (hex and PEM), for witnesses to keep."""
    try:
        keys = _source(server).keys()
    except Unavailable as e:
        _failed(str(e))
    typer.echo(json.dumps(keys, indent=2, ensure_ascii=False))
