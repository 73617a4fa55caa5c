"""A practice's shared log: db init, add-user and push."""

from __future__ import annotations

import sys

from rvutool.errors import RvuError, UsageError
from rvutool.view import messages


def _url(given: str | None) -> str:
    """The database: --url (or the positional URL), else RVUTOOL_LOG_URL or log.url. A password typed on the
    command line is used, with a warning: `ps` and the shell's history show it to others."""
    from rvutool import conninfo
    from rvutool.log import location

    url = (given or "").strip() or location.url()
    if not url:
        raise UsageError(f"give --url postgresql://... or set {location.URL_ENV} (or `rvutool config set log.url`)")
    if not location.is_postgres(url):
        raise UsageError("the log database must be a postgresql:// connection string")
    if given and conninfo.has_password(given):
        messages.warning("a password on the command line can be seen by other users (ps) and stays in your shell's "
                       "history: keep it in ~/.pgpass (mode 0600) instead")
    return url


def init(url_arg: str | None = None, *, url: str | None = None) -> int:
    from rvutool import conninfo
    from rvutool.log import practice

    if url_arg is not None and url is not None:
        raise UsageError("give the database once: as URL or as --url, not both")
    url = _url(url if url is not None else url_arg)
    done = practice.init(url)
    where = conninfo.shown(url)
    if done.before == done.after:
        messages.line(f"the log in {where} is up to date (schema version {done.after}); nothing was changed")
    elif done.before == 0:
        messages.line(f"created the practice's log in {where} (schema {practice.schema_name()}, version {done.after}, "
                    f"users in {done.roles.clinician} and {done.roles.manager}); add them with "
                    "`rvutool db add-user NAME`")
    else:
        messages.line(f"brought the log in {where} from schema version {done.before} to {done.after}")
    if done.carried:
        messages.line(f"its users now belong to this practice's own roles ({done.roles.clinician}, "
                    f"{done.roles.manager}): {', '.join(done.carried)}")
    if done.left_out:
        messages.line(f"not carried over, having no work in this log (they may belong to another practice on this "
                    f"server): {', '.join(done.left_out)}; `rvutool db add-user NAME` adds one again")
    if done.set_aside:
        messages.line(f"set aside {done.set_aside} {'entry' if done.set_aside == 1 else 'entries'} holding values "
                    f"rvutool never writes (kept, with why, in {practice.schema_name()}.set_aside; `rvutool doctor` "
                    "counts them)")
    if done.unhooked:
        messages.line(f"removed {done.unhooked} undo-journal links to another user's change (no rvutool writes "
                    "them: see the README's Security section)")
    return 0


def _password(password_file: str | None) -> str:
    if password_file is not None:
        from rvutool.cli import inputs

        path = inputs.readable_path(password_file)
        try:
            text = path.read_text(encoding="utf-8").splitlines()
        except (OSError, UnicodeDecodeError) as exc:
            raise RvuError(f"cannot read the password file {password_file}: {exc}") from None
        password = text[0] if text else ""
    else:
        if not sys.stdin.isatty():
            raise UsageError("give --password-file FILE (the password is asked for only in a terminal)")
        import getpass

        password = getpass.getpass("Password for the new user: ")
        if getpass.getpass("Again: ") != password:
            raise UsageError("the passwords differ; nothing was changed")
    if len(password) < 8:
        raise UsageError("the password must have at least 8 characters")
    return password


def add_user(name: str, *, manager: bool = False, password_file: str | None = None, url: str | None = None) -> int:
    """A new login of the practice; or a login this server already has (of another practice, or one `db init`
    did not carry over) joins it, its password unchanged, and none is asked for."""
    from rvutool import conninfo
    from rvutool.log import practice

    url = _url(url)
    practice.check_user_name(name)
    status = practice.user_status(url, name)
    password = _password(password_file) if status == "new" else None  # (add_user refuses the others)
    practice.add_user(url, name, password, manager=manager)
    existing = status == "elsewhere"
    role = "manager (reads every provider's entries, changes only their own)" if manager else \
        "clinician (reads and changes only their own entries)"
    known = " (a login this server already had: their password is unchanged)" if existing else ""
    messages.line(f"added {name} to the log in {conninfo.shown(url)} as a {role}{known}")
    return 0


def push(*, from_path: str | None = None, url: str | None = None, allow_identifiers: bool = False) -> int:
    """Copy a personal SQLite log's live entries (and favourites) into the shared log as the connected user,
    by meaning: a service the shared log already holds (as many times) is not added again, so a second push
    adds nothing."""
    from rvutool import config, conninfo, dates, paths
    from rvutool.cli import inputs
    from rvutool.log import import_files, practice

    url = _url(url)
    source_path = inputs.readable_path(from_path) if from_path else paths.log_file()
    ctx = import_files.ImportContext(today=dates.today(), allow_identifiers=allow_identifiers, skip_bad=False,
                                     options=inputs.encounter_options(None, None, None),
                                     policy=config.load().policy())
    pushed = practice.push(source_path, url, ctx)
    outcome, user = pushed.outcome, pushed.user
    messages.line(f"pushed {outcome.added} {'entry' if outcome.added == 1 else 'entries'} "
                f"({outcome.encounters} {'encounter' if outcome.encounters == 1 else 'encounters'}) from {source_path} "
                f"into {conninfo.shown(url)} as {user}; {outcome.duplicates} already there")
    if outcome.favourites_added:
        messages.line(f"and your favourites {', '.join('@' + n for n in outcome.favourites_added)}")
    for name, theirs, _ in outcome.favourites_kept:
        messages.warning(f"@{name} is already a favourite of yours in the shared log ({theirs}); kept as it is")
    if outcome.added:
        messages.line("`rvutool undo` (with the shared log set) takes the push back out")
    return 0
