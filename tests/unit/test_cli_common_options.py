"""Common options (--data-dir, --config, --port, …) are accepted before or after the subcommand, at
every level of the command tree — including subcommands added later by any cli_*.py module, since the
test walks the finished parser."""
from __future__ import annotations

import argparse

import pytest

from dashboard import cli


def _leaves(parser: argparse.ArgumentParser, path: tuple = ()):
    subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not subs:
        yield path, parser
        return
    for sub in subs:
        for name, child in sub.choices.items():
            yield from _leaves(child, path + (name,))


def _required_fill(parser: argparse.ArgumentParser) -> list[str]:
    """Values for a leaf's required positionals and options, so it parses."""
    out: list[str] = []
    for a in parser._actions:
        if isinstance(a, argparse._SubParsersAction) or a.dest in ("help",):
            continue
        if not a.option_strings and a.nargs not in ("?", "*"):
            out.append(str(a.choices[0]) if a.choices else "1" if a.type in (int, float) else "x")
        elif a.option_strings and a.required:
            value = list(a.choices)[0] if a.choices else "1" if a.type in (int, float) else "x"
            out += [a.option_strings[0], str(value)]
    return out


def _value_for(action: argparse.Action) -> tuple[str, object]:
    if action.choices:
        v = list(action.choices)[-1]
        return str(v), v
    if action.type is int:
        return "8123", 8123
    if action.type is float:
        return "2.5", 2.5
    return "/tmp/somewhere", "/tmp/somewhere"


def _cases():
    parser = cli.build_parser()
    common = cli._common_options()
    for path, leaf in _leaves(parser):
        for option, action in common.items():
            if option in leaf._option_string_actions and option.startswith("--"):
                yield pytest.param(path, option, id=f"{' '.join(path)} {option}")


@pytest.mark.parametrize("path,option", list(_cases()))
def test_common_option_before_between_and_after(path, option):
    parser = cli.build_parser()
    leaf = parser
    for name in path:
        sub = next(a for a in leaf._actions if isinstance(a, argparse._SubParsersAction))
        leaf = sub.choices[name]
    action = leaf._option_string_actions[option]
    text, value = _value_for(action)
    # positionals of a sub-subcommand: fill the leaf's own needs after its name
    fill = _required_fill(leaf)
    placements = [
        [option, text, *path, *fill],                 # before the subcommand
        [*path, *fill, option, text],                 # after everything
        [f"{option}={text}", *path, *fill],           # --opt=value form, before
    ]
    if len(path) > 1:
        placements.append([path[0], option, text, *path[1:], *fill])   # between the levels
    for argv in placements:
        args = parser.parse_args(cli._hoist_common(argv))
        assert getattr(args, action.dest) == value, argv


@pytest.mark.parametrize("argv,dest,value", [
    (["open311-key", "create", "NAME", "--data-dir", "D"], "data_dir", "D"),
    (["kiosk", "create", "hall", "--port", "8050"], "port", 8050),
    (["users", "add", "bob", "--role", "admin", "--data-dir", "D"], "data_dir", "D"),
    (["--data-dir", "D", "users", "add", "bob", "--role", "admin"], "data_dir", "D"),
    (["users", "--data-dir", "D", "add", "bob", "--role", "admin"], "data_dir", "D"),
    (["--config", "c.toml", "web", "--port", "9"], "config", "c.toml"),
])
def test_the_issue_examples(argv, dest, value):
    args = cli.build_parser().parse_args(cli._hoist_common(argv))
    assert getattr(args, dest) == value


def test_defaults_stay_none_when_not_given():
    args = cli.build_parser().parse_args(cli._hoist_common(["kiosk", "list"]))
    assert args.data_dir is None and args.port is None and args.config is None


def test_an_option_a_command_does_not_take_is_refused_not_ignored(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--port", "9", "parse", "--format", "cap", "-"])
    assert exc.value.code == 2
    assert "unrecognized arguments: --port 9" in capsys.readouterr().err


def test_hoist_keeps_everything_after_a_double_dash():
    assert cli._hoist_common(["--data-dir", "D", "x", "--", "--port", "1"]) == ["x", "--data-dir", "D", "--", "--port", "1"]
    assert cli._hoist_common(["--version"]) == ["--version"]


def test_main_hoists_before_parsing(tmp_path, capsys):
    assert cli.main(["--data-dir", str(tmp_path), "config", "--effective"]) == 0
    assert str(tmp_path) in capsys.readouterr().out


@pytest.mark.parametrize("path,option", list(_cases()))
def test_not_given_still_has_its_default_at_every_level(path, option):
    parser = cli.build_parser()
    leaf = parser
    for name in path:
        sub = next(a for a in leaf._actions if isinstance(a, argparse._SubParsersAction))
        leaf = sub.choices[name]
    action = leaf._option_string_actions[option]
    args = parser.parse_args(cli._hoist_common([*path, *_required_fill(leaf)]))
    assert hasattr(args, action.dest)   # the subcommand's default (None for _common's): never missing
