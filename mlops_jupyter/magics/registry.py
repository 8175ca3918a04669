"""``%mlops register | models | card``."""

from __future__ import annotations

from ..views.registry import ModelsTable, VersionsTable
from .parsing import MagicArgumentParser

_register_parser = MagicArgumentParser("register")
_register_parser.add_argument("run_id")
_register_parser.add_argument("--name", required=True)
_register_parser.add_argument("--description")
_register_parser.add_argument("--artifact", default="model")


def register(shell, line: str) -> None:
    from ..registry import service as models
    from ..tracking import fluent

    args = _register_parser.parse_line(line)
    fluent.flush(60)  # a run tracked in the previous cell may still be being written
    v = models.register(args.run_id, args.name, description=args.description, artifact=args.artifact)
    print(f"registered {v.model} v{v.version} from run {v.run_id}")


_models_parser = MagicArgumentParser("models")
_models_parser.add_argument("name", nargs="?")
_models_parser.add_argument("--filter", default="")
_models_parser.add_argument("-n", "--max", type=int, default=50)


def models(shell, line: str):
    from ..registry import service as registry

    args = _models_parser.parse_line(line)
    if args.name:
        return VersionsTable(registry.model(args.name, args.max))
    return ModelsTable(registry.models(args.filter, args.max, with_metrics=True))


_card_parser = MagicArgumentParser("card")
_card_parser.add_argument("model")
_card_parser.add_argument("version", nargs="?")
_card_parser.add_argument("--against", default="champion")


def card(shell, line: str):
    from ..registry.card import model_card

    args = _card_parser.parse_line(line)
    return model_card(args.model, args.version, args.against)
