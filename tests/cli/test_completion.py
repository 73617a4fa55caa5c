"""Shell completion (issue 10, point 8): `--install-completion` / `--show-completion` are typer's, and the
answers come from completion.py before typer is imported. Each shell's protocol is driven here with the
environment variables its script sets (typer/_completion_shared.py), and the one table of commands and options
is held to the typer commands."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import pytest

from rvutool import dates, paths
from rvutool.cli import completion


def typer_commands() -> dict[str, object]:
    """Command path ("lookup", "data import", "contract fees import") -> its click command."""
    import typer.main  # noqa: TID251 - the test compares with the typer commands

    from rvutool.cli import app

    found = {}
    groups = [("", typer.main.get_command(app.app))]
    while groups:
        prefix, group = groups.pop()
        for name, command in group.commands.items():
            path = f"{prefix} {name}".strip()
            if getattr(command, "commands", None):
                groups.append((path, command))
            else:
                found[path] = command
    return found


def table_commands() -> dict[str, completion.Spec]:
    found = {}
    groups = [("", completion.COMMANDS)]
    while groups:
        prefix, group = groups.pop()
        for name, spec in group.items():
            path = f"{prefix} {name}".strip()
            if isinstance(spec, dict):
                groups.append((path, spec))
            else:
                found[path] = spec
    return found


def ask(monkeypatch, capsys, env: dict[str, str]) -> tuple[int, str]:
    """rvutool run by a shell's completion script: its environment variables, no arguments."""
    from rvutool.cli.main import main

    with monkeypatch.context() as shell:  # set for this request only
        for key, value in env.items():
            shell.setenv(key, value)
        capsys.readouterr()
        with pytest.raises(SystemExit) as done:
            main([])
    return done.value.code, capsys.readouterr().out


def bash(monkeypatch, capsys, *words: str) -> list[str]:
    """As typer's bash function: COMP_WORDS joined by newlines, COMP_CWORD the word under the cursor (the last)."""
    status, out = ask(monkeypatch, capsys, {"_RVUTOOL_COMPLETE": "complete_bash", "COMP_WORDS": "\n".join(words),
                                            "COMP_CWORD": str(len(words) - 1)})
    assert status == 0
    return out.splitlines()


def test_bash_completes_commands_options_codes_and_values(monkeypatch, capsys):
    assert bash(monkeypatch, capsys, "rvutool", "lo") == ["lookup", "log"]
    assert bash(monkeypatch, capsys, "rvutool", "fav", "") == ["add", "list", "remove"]
    assert bash(monkeypatch, capsys, "rvutool", "lookup", "2744") == [
        "27440", "27441", "27442", "27443", "27445", "27446", "27447", "27448"]
    assert bash(monkeypatch, capsys, "rvutool", "lookup", "d155") == ["d1551", "d1552", "d1553", "d1556", "d1557",
                                                                      "d1558"]
    assert "27447-RT" in bash(monkeypatch, capsys, "rvutool", "log", "27447-R")
    assert bash(monkeypatch, capsys, "rvutool", "summary", "--j") == ["--json"]
    assert bash(monkeypatch, capsys, "rvutool", "summary", "--json", "--j") == []  # given once already
    assert bash(monkeypatch, capsys, "rvutool", "calc", "--policy", "bil") == ["bilateral=medicare", "bilateral=none"]
    assert bash(monkeypatch, capsys, "rvutool", "log", "--setting", "") == ["facility", "nonfacility"]
    assert bash(monkeypatch, capsys, "rvutool", "export", "--format", "") == ["csv", "json"]
    assert bash(monkeypatch, capsys, "rvutool", "summary", "--by", "month,c") == ["month,code", "month,category"]
    assert bash(monkeypatch, capsys, "rvutool", "config", "set", "policy.status_t", "") == ["medicare", "none"]
    assert "target.month" in bash(monkeypatch, capsys, "rvutool", "config", "get", "")


@pytest.mark.clock
def test_period_values_are_this_years(monkeypatch, capsys):
    today = dates.today()
    months = bash(monkeypatch, capsys, "rvutool", "summary", "--month", "")
    assert f"{today.year}-01" in months and f"{today:%Y-%m}" in months and "nov" in months
    assert f"{today.year}-{today.month + 1:02d}" not in months  # no month still to come
    # bash makes '=' a word of its own: --month=2026-1 arrives as --month, =, 2026-1
    assert bash(monkeypatch, capsys, "rvutool", "list", "--month", "=", f"{today.year}-0")[0] == f"{today.year}-01"
    assert str(today.year) in bash(monkeypatch, capsys, "rvutool", "summary", "--year", "")
    assert bash(monkeypatch, capsys, "rvutool", "log", "--date", "y") == ["yesterday"]


def test_favourites_complete_as_at_names(rvutool, monkeypatch, capsys):
    assert bash(monkeypatch, capsys, "rvutool", "log", "@") == []  # no log: nothing, and nothing is created
    assert not paths.data_dir().exists()
    rvutool("fav", "add", "tka", "27447")
    rvutool("fav", "add", "knee-scope", "29881", "29877-59")
    assert bash(monkeypatch, capsys, "rvutool", "log", "@") == ["@knee-scope", "@tka"]
    assert bash(monkeypatch, capsys, "rvutool", "log", "") == ["@knee-scope", "@tka"]
    assert bash(monkeypatch, capsys, "rvutool", "calc", "27130", "@t") == ["@tka"]
    # bash splits '@' off as a word of its own (COMP_WORDBREAKS), yet replaces "@kn" whole: the answer keeps '@'
    assert bash(monkeypatch, capsys, "rvutool", "log", "@", "kn") == ["@knee-scope"]
    assert bash(monkeypatch, capsys, "rvutool", "fav", "remove", "") == ["knee-scope", "tka"]
    assert bash(monkeypatch, capsys, "rvutool", "lookup", "@") == []  # lookup takes codes, not favourites


def test_a_shared_log_is_not_asked_from_a_tab(rvutool, monkeypatch, capsys):
    rvutool("fav", "add", "tka", "27447")
    monkeypatch.setenv("RVUTOOL_LOG_URL", "postgresql://alice@/x?host=/nonexistent")
    assert bash(monkeypatch, capsys, "rvutool", "log", "@") == []


def test_zsh_protocol(rvutool, monkeypatch, capsys):
    rvutool("fav", "add", "tka", "27447")
    env = {"_RVUTOOL_COMPLETE": "complete_zsh", "_TYPER_COMPLETE_ARGS": "rvutool lookup 2744"}
    status, out = ask(monkeypatch, capsys, env)
    assert status == 0
    assert out.startswith("_arguments '*: :((") and out.endswith("))'\n")
    lines = out.removeprefix("_arguments '*: :((").removesuffix("))'\n").splitlines()
    assert [line.split('":"')[0].strip('"') for line in lines] == [
        "27440", "27441", "27442", "27443", "27445", "27446", "27447", "27448"]
    assert '"27447":"total knee replacement"' in lines  # each code's name as its description
    status, out = ask(monkeypatch, capsys, {**env, "_TYPER_COMPLETE_ARGS": "rvutool log @t"})
    assert out == """_arguments '*: :(("@tka":"27447"))'\n"""  # the items as the description
    last_year = dates.today().year - 1
    status, out = ask(monkeypatch, capsys, {**env, "_TYPER_COMPLETE_ARGS": f"rvutool summary --month={last_year}-1"})
    assert out == "_arguments '*: :((" + "\n".join(f'"--month={last_year}-{m}"' for m in (10, 11, 12)) + "))'\n"
    status, out = ask(monkeypatch, capsys, {**env, "_TYPER_COMPLETE_ARGS": "rvutool import "})
    assert out == "_files\n"  # nothing of ours to offer: the shell offers files


def test_fish_protocol(monkeypatch, capsys):
    env = {"_RVUTOOL_COMPLETE": "complete_fish", "_TYPER_COMPLETE_FISH_ACTION": "get-args",
           "_TYPER_COMPLETE_ARGS": "rvutool lookup 27447-2"}
    status, out = ask(monkeypatch, capsys, env)
    assert status == 0
    assert out.splitlines()[0].startswith("27447-26\tprofessional component")
    status, out = ask(monkeypatch, capsys, {**env, "_TYPER_COMPLETE_ARGS": "rvutool log 2744"})
    assert "27447\ttotal knee replacement" in out.splitlines()
    status, out = ask(monkeypatch, capsys, {**env, "_TYPER_COMPLETE_FISH_ACTION": "is-args"})
    assert (status, out) == (0, "")  # there are values: fish offers them, not files
    status, out = ask(monkeypatch, capsys, {**env, "_TYPER_COMPLETE_FISH_ACTION": "is-args",
                                            "_TYPER_COMPLETE_ARGS": "rvutool import "})
    assert (status, out) == (1, "")  # nothing: fish offers files


def test_powershell_protocol(monkeypatch, capsys):
    env = {"_RVUTOOL_COMPLETE": "complete_powershell", "_TYPER_COMPLETE_ARGS": "rvutool ex",
           "_TYPER_COMPLETE_WORD_TO_COMPLETE": "ex"}
    assert ask(monkeypatch, capsys, env) == (0, "export::: \n")


def test_commands_and_options_are_typers_on_both_paths(rvutool, monkeypatch):
    """The fixture runs typer's own completion on its typer path: the two answer alike for commands and options."""
    for words in (["rvutool", ""], ["rvutool", "-"], ["rvutool", "summary", "--week", "-"],
                  ["rvutool", "export", "-"], ["rvutool", "config", ""], ["rvutool", "fav", "add", "tka", "-"]):
        monkeypatch.setenv("_RVUTOOL_COMPLETE", "complete_bash")
        monkeypatch.setenv("COMP_WORDS", "\n".join(words))
        monkeypatch.setenv("COMP_CWORD", str(len(words) - 1))
        out = rvutool()
        assert out.exit_code == 0 and out.stderr == ""
        shown = set(out.stdout.split())
        assert shown == {v for v, _ in completion.offers(words[1:-1], words[-1])} and shown, words


def test_a_completion_imports_neither_typer_nor_rich_and_writes_nothing(home):
    code = ("import sys\nfrom rvutool.cli.main import main\ntry:\n    main()\nexcept SystemExit:\n    pass\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'typer', 'click', 'rich', 'pydantic'}))")
    env = {**os.environ, "_RVUTOOL_COMPLETE": "complete_bash", "COMP_WORDS": "rvutool\nlog\n@", "COMP_CWORD": "2"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr
    assert not home.exists()


def test_show_and_install_completion_are_typers(rvutool, monkeypatch, tmp_path):
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    monkeypatch.setenv("HOME", str(tmp_path))
    for shell, says in (("bash", "complete -o default -F _rvutool_completion rvutool"),
                        ("zsh", "compdef _rvutool_completion rvutool"),
                        ("fish", "complete --command rvutool --no-files")):
        out = rvutool("--show-completion", shell)
        assert out.exit_code == 0 and says in out.stdout and "_RVUTOOL_COMPLETE=complete_" + shell in out.stdout
    out = rvutool("--install-completion", "bash")
    assert out.exit_code == 0 and "bash completion installed in" in out.stdout
    assert "source '" in (tmp_path / ".bashrc").read_text()
    assert "_RVUTOOL_COMPLETE=complete_bash" in (tmp_path / ".bash_completions" / "rvutool.sh").read_text()


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_bash_itself_runs_the_installed_script(rvutool, monkeypatch, tmp_path):
    """typer's bash function, sourced into a real bash, calling the real console script."""
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    script = tmp_path / "rvutool.sh"
    script.write_text(rvutool("--show-completion", "bash").stdout)
    rvutool("fav", "add", "tka", "27447")
    console = shutil.which("rvutool", path=os.path.dirname(sys.executable))
    if console is None:
        pytest.skip("the rvutool console script is not installed beside this Python")
    probe = (f"source {script}\n"
             "t() { COMP_WORDS=(\"$@\"); COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); _rvutool_completion "
             f"{console}; echo \"${{COMPREPLY[*]}}\"; }}\n"
             "t rvutool lookup 2744\nt rvutool log @ t\nt rvutool summary --by ''\n")
    done = subprocess.run(["bash", "--norc", "-c", probe], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["27440 27441 27442 27443 27445 27446 27447 27448", "@tka",
                                        "day week month code category provider"]


def test_other_instructions_are_left_to_typer(rvutool, monkeypatch):
    monkeypatch.setenv("_RVUTOOL_COMPLETE", "source_fish")
    out = rvutool()
    assert out.exit_code == 0 and "complete --command rvutool --no-files" in out.stdout
    monkeypatch.setenv("_RVUTOOL_COMPLETE", "complete_tcsh")
    out = rvutool()
    assert out.exit_code == 1 and "Shell tcsh not supported." in out.stderr


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_tab_in_an_interactive_bash(rvutool, monkeypatch, tmp_path):
    """A person pressing Tab in bash: its own word breaks ('@' and '=' among them) and line replacement."""
    pexpect = pytest.importorskip("pexpect")
    monkeypatch.setenv("_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION", "1")
    script = tmp_path / "rvutool.sh"
    script.write_text(rvutool("--show-completion", "bash").stdout)
    rvutool("fav", "add", "knee-scope", "29881")
    bin_dir = os.path.dirname(sys.executable)
    env = {**os.environ, "TERM": "xterm", "PS1": "$ ", "PATH": f"{bin_dir}:{os.environ['PATH']}"}
    if shutil.which("rvutool", path=env["PATH"]) is None:
        pytest.skip("the rvutool console script is not installed beside this Python")
    shell = pexpect.spawn("bash", ["--norc", "--noprofile", "-i"], env=env, encoding="utf-8", timeout=30)
    shell.expect_exact("$ ")
    shell.sendline(f"source {script}")
    shell.expect_exact("$ ")

    def completed(typed: str) -> str:
        """The command line after typing `typed` and Tab: echoed back between brackets."""
        shell.send(typed + "\t")
        shell.expect_exact(typed[-3:])  # the line as typed, then what Tab did to it
        shell.send("\x01echo [\x05]\r")  # Ctrl-A, echo [ ... Ctrl-E ]
        shell.expect(r"\[(rvutool[^\]\r\n]*)\]")
        line = shell.match.group(1)
        shell.expect_exact("$ ")
        return line.strip()

    assert completed("rvutool log @kn") == "rvutool log @knee-scope"
    assert completed("rvutool summary --by mon") == "rvutool summary --by month"
    assert completed("rvutool lookup 2744") == "rvutool lookup 2744"  # several: the list, the line as it was
    assert completed("rvutool log --setting=nonf") == "rvutool log --setting=nonfacility"
    shell.sendline("exit")
