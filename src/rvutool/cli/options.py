"""THE option table: every command, the options it takes (their names, the keyword each becomes, the kind of
value and its help) and its arguments. The typer app (app.py) is built from it; the fast path, shell completion
and the bare --month/--year rewrite read it; tests hold every option to one kind, one keyword and one help in
every command that takes it. Plain classes and tuples: completion reads this before anything heavy loads.
"""

from __future__ import annotations

# Kinds of value: completion offers values by kind; each kind is read by one parser (cli/inputs.py).
FLAG = "flag"
DATE, DAY, MONTH, YEAR, BY = "date", "day", "month", "year", "by"
SETTING, FORMAT, POLICY, RELEASE = "setting", "format", "policy", "release"
CODE, ITEM, FAV, KEY, VALUE = "code", "item", "fav", "key", "value"
TEXT = None  # anything (a file, a name, a number): nothing to offer; the shell may offer files


class Option:
    __slots__ = ("names", "keyword", "kind", "help", "metavar", "multiple", "bare")

    def __init__(self, names: tuple[str, ...], keyword: str, kind: str | None, help: str, metavar: str = "",
                 *, multiple: bool = False, bare: bool = False) -> None:
        self.names, self.keyword, self.kind, self.help = names, keyword, kind, help
        self.metavar, self.multiple, self.bare = metavar, multiple, bare  # bare: `--year` alone means this one

    @property
    def flag(self) -> bool:
        return self.kind == FLAG


class Argument:
    __slots__ = ("keyword", "kind", "metavar", "help", "many", "required")

    def __init__(self, keyword: str, kind: str | None, metavar: str, help: str, *, many: bool = False,
                 required: bool = True) -> None:
        self.keyword, self.kind, self.metavar, self.help = keyword, kind, metavar, help
        self.many, self.required = many, required


class Command:
    __slots__ = ("path", "action", "help", "options", "arguments", "fast")

    def __init__(self, path: str, action: str, help: str, options: tuple[Option, ...] = (),
                 arguments: tuple[Argument, ...] = (), *, fast: bool = False) -> None:
        self.path = tuple(path.split())  # "contract fees import"
        self.action = action  # "module:function" under rvutool.cli.commands, imported when the command runs
        self.help, self.options, self.arguments, self.fast = help, options, arguments, fast

    @property
    def name(self) -> str:
        return " ".join(self.path)

    def option(self, name: str) -> Option | None:
        return next((o for o in self.options if name in o.names), None)


# ---------------------------------------------------------------- the options, each defined once
JSON = Option(("--json",), "as_json", FLAG, "Print JSON instead of a table.")
CSV = Option(("--csv",), "as_csv", FLAG, "Print CSV instead of a table.")
DATE_OF_SERVICE = Option(("--date",), "date_text", DATE, "Date of service: YYYY-MM-DD, today or yesterday.",
                         "DATE")
MONTH_OPT = Option(("--month",), "month", MONTH, "A calendar month: 2026-02, or a name such as nov or november "
                   "(this year's); bare --month is this month.", "YYYY-MM", bare=True)
WEEK = Option(("--week",), "week", FLAG, "This ISO week, Monday to Sunday.")
YEAR_OPT = Option(("--year",), "year", YEAR, "A year; bare --year is this year. With fiscal_year_start set, the "
                  "fiscal year ENDING in YYYY (fiscal_year_start=7: --year 2026 is 2025-07-01 to 2026-06-30). "
                  "lookup and search use the release in force on its last day.", "YYYY", bare=True)
FROM = Option(("--from",), "from_", DAY, "First day (YYYY-MM-DD); may be used alone.", "DATE")
TO = Option(("--to",), "to", DAY, "Last day (YYYY-MM-DD); may be used alone.", "DATE")
ALL = Option(("--all",), "all_", FLAG, "Everything: the whole log (not one period); reconcile: every line, "
             "matches too.")
PERIOD = (MONTH_OPT, WEEK, YEAR_OPT, FROM, TO, ALL)
PERIOD_NO_ALL = PERIOD[:-1]  # reconcile: the report's own dates are the period; its --all lists every line
LOCALITY = Option(("--locality",), "locality_text", TEXT, "Medicare locality for dollar figures: an id such as "
                  "01182-18, a name such as 'los angeles', or a ZIP; default: config locality.", "LOCALITY")
ZIP = Option(("--zip",), "zip_text", TEXT, "ZIP code where the service was rendered, for dollar figures "
             "(instead of --locality).", "ZIP")
QP = Option(("--qp",), "qp", FLAG, "Dollar figures with the conversion factor of qualifying APM participants "
            "(config: qp).")
PLACE = (LOCALITY, ZIP, QP)
SETTING_OPT = Option(("--setting",), "setting", SETTING, "Where the work was done, facility or nonfacility "
                     "(nonfac, office, hospital ...): ranks multiple procedures; default: config setting, else "
                     "facility.", "facility|nonfacility")
FRACTION = Option(("--fraction",), "fraction", TEXT, "Share credited for -52 or -66 (and -53 where CMS has no "
                  "-53 row), above 0 and up to 1.", "F")
POSTOP_DAYS = Option(("--postop-days",), "postop_days", TEXT, "Days of post-operative care for -55, 1-90 "
                     "(default: the whole global period).", "N")
NOTE = Option(("--note",), "note", TEXT, "A short note (no patient identifiers).", "NOTE")
CASE = Option(("--case",), "case", TEXT, "A case label such as 'case 3' (no patient identifiers).", "LABEL")
ALLOW_IDENTIFIERS = Option(("--allow-identifiers",), "allow_identifiers", FLAG,
                           "Keep text that looks like an identifier but is not one.")
YES = Option(("--yes",), "yes", FLAG, "Answer yes to every question (for scripts).")
PROVIDER = Option(("--provider",), "provider", TEXT, "A shared log only: this provider's entries (a manager may "
                  "name anyone; a clinician only themselves).", "NAME")
RATE = Option(("--rate",), "rate", TEXT, "$ per wRVU for dollar figures (overrides config rate).", "DOLLARS")
TARGET = Option(("--target",), "target", TEXT, "wRVU goal for this period (overrides target.month / "
                "target.year).", "WRVU")
REPRICE = Option(("--reprice",), "reprice", RELEASE, "Price the same entries under another CMS release too, "
                 "such as RVU27A: per code and in total.", "RELEASE")
CONTRACT = Option(("--contract",), "contract", TEXT, "The contract whose pay arithmetic applies (rvutool "
                  "contract add); default: config contract.", "NAME")
BENCHMARK = Option(("--benchmark",), "benchmark", TEXT, "Place the year's wRVU in your benchmark table for this "
                   "specialty (rvutool benchmark import); default: config benchmark.specialty.", "SPECIALTY")
OUTPUT = Option(("-o", "--output"), "output", TEXT, "Write to FILE; its ending picks the format (export: .csv or "
                ".json; report: .html or .pdf; reconcile: .csv for every line, .html for a dispute summary, either "
                "or both; --csv FILE and --html FILE say the same).", "FILE")
# reconcile writes a .csv and an .html at once (-o twice)
OUTPUTS = Option(OUTPUT.names, OUTPUT.keyword, OUTPUT.kind, OUTPUT.help, OUTPUT.metavar, multiple=True)
CODE_OPT = Option(("--code",), "code", CODE, "The code (with its modifiers, such as 71046-26).", "CODE")
ENCOUNTER = Option(("--encounter",), "encounter", TEXT, "An encounter's number, as `list` shows it.", "N")
URL = Option(("--url",), "url", TEXT, "The database (default: RVUTOOL_LOG_URL or the log.url setting).", "URL")
NAME = Option(("--name",), "name", TEXT, "Store it under this name instead of the file's.", "NAME")
BY_OPT = Option(("--by",), "by", BY, "Group by day, week, month, code or category (summary's default: day for a month "
            "or shorter, month otherwise); two keys, such as month,code, group within groups; provider (alone) "
            "on a shared log: reconcile compares each provider with their own lines.", "KEY[,KEY]")
MAP = Option(("--map",), "mapping", TEXT, "Name the employer report's columns: date=DOS,code=CPT,wrvu=Work RVUs,"
             "units=Qty,modifiers=Mod1+Mod2,provider=Billing Provider.", "ROLE=HEADER,...", multiple=True)
SHEET = Option(("--sheet",), "sheet", TEXT, "The workbook's sheet to read (default: the first visible sheet with "
               "a header row).", "NAME")
PROVIDER_NAME = Option(("--provider-name",), "provider_name", TEXT, "Your name as the employer report's provider "
                       "column writes it (default: config report.provider); lines credited to anyone else are "
                       "theirs. With --by provider: USER=NAME for each.", "NAME", multiple=True)
REPLACE = Option(("--replace",), "replace", FLAG, "Replace the one stored under the same name.")

ITEMS = Argument("tokens", ITEM, "ITEM...", "Items of one encounter: a code with any -modifiers and xUNITS "
                 "(47562 49505-50 97110x4), a favourite (@tka-RT), or words naming a code (\"total knee\"-RT).",
                 many=True)
FILE_ARG = Argument("file", TEXT, "FILE", "The file to read.")

# ---------------------------------------------------------------- the commands
_C = "rvutool.cli.commands"
COMMANDS: tuple[Command, ...] = (
    Command("lookup", f"{_C}.codes:lookup",
            "Show the CMS work RVU and indicators of each code. Example: rvutool lookup 99213 71046-26",
            (JSON, DATE_OF_SERVICE, YEAR_OPT, *PLACE,
             Option(("--compare",), "compare", RELEASE, "Show each code beside its values in another release, "
                    "such as RVU25D or RVU27A.", "RELEASE"),
             Option(("--about",), "about", FLAG, "Also explain the code: what is done, documentation, common "
                    "denials, questions.")),
            (Argument("tokens", CODE, "CODE...", "Codes, optionally with modifiers: 99213 71046-26 D1553; or "
                      "words naming one: tka.", many=True),), fast=True),
    Command("calc", f"{_C}.codes:calc", "Credit an encounter by the same-encounter rules, as log would, without "
            "logging it. Example: rvutool calc 45378 45380 45385",
            (DATE_OF_SERVICE, SETTING_OPT, FRACTION, POSTOP_DAYS,
             Option(("--policy",), "policy_settings", POLICY, "Try a policy without config: KEY=VALUE, such as "
                    "multiple_procedure=none (repeatable).", "KEY=VALUE", multiple=True),
             *PLACE, JSON), (ITEMS,), fast=True),
    Command("search", f"{_C}.codes:search", "Find codes by clinical words, alias, code prefix or category. "
            "Example: rvutool search total knee replacement",
            (Option(("--limit",), "limit", TEXT, "Show at most this many hits (1-1000).", "N"), JSON,
             DATE_OF_SERVICE, YEAR_OPT),
            (Argument("words", TEXT, "QUERY...", "Clinical words (total knee replacement, lap chole), a code or "
                      "code prefix, or a category.", many=True),), fast=True),
    Command("paths", f"{_C}.settings:show_paths", "Show where rvutool keeps each file. Example: rvutool paths",
            (JSON,)),
    Command("data import", f"{_C}.data:data_import", "Import your own CMS file: a release and descriptors, or NCCI "
            "edits. Example: rvutool data import rvu26d.zip",
            arguments=(Argument("file", TEXT, "FILE", "A CMS RVU zip, a PPRRVU CSV, the HCPCS annual file, or an "
                                "NCCI PTP or MUE file (or zip)."),)),
    Command("data status", f"{_C}.data:data_status", "List the bundled and imported releases and the dates each "
            "covers. Example: rvutool data status", (JSON,)),
    Command("log", f"{_C}.log:log", "Log one encounter (every item shares its date); none: ask in the terminal. "
            "Example: rvutool log 99213 71046-26",
            (DATE_OF_SERVICE, NOTE, CASE, JSON, SETTING_OPT, FRACTION, POSTOP_DAYS, ALLOW_IDENTIFIERS, YES,
             Option(("--no-check",), "no_check", FLAG, "Do not run `rvutool check` on the encounter after "
                    "saving it.")),
            (Argument("tokens", ITEM, "ITEM...", ITEMS.help, many=True, required=False),), fast=True),
    Command("check", f"{_C}.check:check", "What Medicare would not pay: NCCI pairs and MUEs (imported), global "
            "periods, modifiers, add-ons. Example: rvutool check 29881 29877, or rvutool check --month",
            (DATE_OF_SERVICE, *PERIOD, PROVIDER, JSON),
            (Argument("tokens", ITEM, "ITEM...", "Items of one encounter, as calc takes them. None: check the log "
                      "over a period.", many=True, required=False),)),
    Command("list", f"{_C}.log:list_entries", "List logged entries (this month by default). Example: rvutool "
            "list --month 2026-02",
            (*PERIOD, CODE_OPT, ENCOUNTER, JSON, CSV,
             Option(("--explain",), "explain", FLAG, "Show each entry's adjustments."),
             Option(("--removed",), "removed", FLAG, "Include removed entries."), PROVIDER), fast=True),
    Command("edit", f"{_C}.log:edit", "Change an entry or an encounter; each encounter it touches is priced "
            "again. Example: rvutool edit 12 --units 2",
            (ENCOUNTER, DATE_OF_SERVICE, CODE_OPT,
             Option(("--units",), "units", TEXT, "Units, 1-999.", "N"),
             Option(("--modifiers",), "modifiers", TEXT, "All modifiers, such as 26 or 50-RT; '' for none.",
                    "MODIFIERS"), NOTE, CASE,
             Option(("--split",), "split", FLAG, "With --date: move only this line, as an encounter of its own."),
             Option(("--whole",), "whole", FLAG, "With --date: move the whole encounter (the default)."),
             ALLOW_IDENTIFIERS),
            (Argument("entry_id", TEXT, "ID", "Entry id, as shown by rvutool list.", required=False),)),
    Command("remove", f"{_C}.log:remove", "Remove entries (undo brings them back); the rest of each encounter "
            "is priced again. Example: rvutool remove 12 13", (ENCOUNTER,),
            (Argument("entry_ids", TEXT, "ID...", "Entry ids, as shown by rvutool list.", many=True,
                      required=False),)),
    Command("undo", f"{_C}.log:undo", "Revert the last log, edit, remove, import or recalc; again goes further "
            "back. Example: rvutool undo"),
    Command("recalc", f"{_C}.log:recalc", "Price a period's entries again with today's data and settings. "
            "Example: rvutool recalc --year 2026",
            (*PERIOD, YES,
             Option(("--stand-ins",), "stand_ins", FLAG, "Only entries another year's release priced (none of "
                    "their year's was here then); every year that has some unless a period is given."))),
    Command("doctor", f"{_C}.log:doctor", "Check the log thoroughly: pages, indexes and its own invariants. "
            "Example: rvutool doctor", (JSON,)),
    Command("export", f"{_C}.exchange:export", "Export entries (everything by default) to re-import or keep. "
            "Example: rvutool export -o log.csv",
            (*PERIOD, Option(("--format",), "fmt", FORMAT, "File format (default: csv, or the ending of -o).",
                             "csv|json"), OUTPUT, PROVIDER)),
    Command("import", f"{_C}.exchange:import_file", "Import entries; services the log already holds are skipped. "
            "Example: rvutool import old-log.csv --dry-run",
            (Option(("--dry-run",), "dry_run", FLAG, "Check and count; write nothing."),
             Option(("--skip-bad",), "skip_bad", FLAG, "Report bad rows and import the rest."), SETTING_OPT,
             Option(("--allow-duplicates",), "allow_duplicates", FLAG, "Import every row, even services the log "
                    "already holds."),
             Option(("--restore",), "restore", FLAG, "Bring back removed entries the file holds (they are skipped "
                    "otherwise)."),
             Option(("--group-by-date",), "group_by_date", FLAG, "Make one encounter of each date (other "
                    "programs' CSV files)."), ALLOW_IDENTIFIERS),
            (Argument("file", TEXT, "FILE", "An rvutool export, a CSV with date and code columns, or an RVU "
                      "Wallet export."),)),
    Command("summary", f"{_C}.reports:summary", "Total wRVU for a period (default: this month), with estimate "
            "and pace. Example: rvutool summary --year",
            (*PERIOD,
             BY_OPT,
             RATE, TARGET, Option(("--chart",), "chart", FLAG, "Draw a bar chart of wRVU per group."), JSON, CSV,
             *PLACE, PROVIDER, REPRICE, CONTRACT, BENCHMARK), fast=True),
    Command("report", f"{_C}.reports:report", "A printable productivity report for a period (default: this "
            "month), with charts; no patient data. Example: rvutool report --year -o 2026.pdf",
            (OUTPUT, *PERIOD, RATE, TARGET, *PLACE, PROVIDER, REPRICE, CONTRACT, BENCHMARK,
             Option(("--reconcile",), "reconcile_file", TEXT, "Add the findings of the employer's report FILE for "
                    "the period (as rvutool reconcile FILE).", "FILE"), MAP, SHEET, PROVIDER_NAME)),
    Command("reconcile", f"{_C}.reports:reconcile", "Compare the log with an employer's report (the report's "
            "dates by default); changes nothing. Example: rvutool reconcile october.xlsx --month 2026-10",
            (*PERIOD_NO_ALL, ALL, JSON, CSV, OUTPUTS, MAP, RATE, CONTRACT, PROVIDER, PROVIDER_NAME, BY_OPT,
             SHEET),
            (Argument("file", TEXT, "FILE", "The employer's productivity report: CSV (comma, semicolon, tab or |; "
                      "any common encoding) or Excel .xlsx."),)),
    Command("config list", f"{_C}.settings:config_list", "Show every setting with its value or default. Example: "
            "rvutool config list", (JSON,)),
    Command("config get", f"{_C}.settings:config_get", "Print one setting. Example: rvutool config get rate",
            arguments=(Argument("key", KEY, "KEY", "A setting, such as rate, target.month or fiscal_year_start."),)),
    Command("config set", f"{_C}.settings:config_set", "Change one setting. Example: rvutool config set rate 55",
            arguments=(Argument("key", KEY, "KEY", "A setting, such as rate, target.month or fiscal_year_start."),
                       Argument("value", VALUE, "VALUE", "The new value."))),
    Command("config unset", f"{_C}.settings:config_unset", "Remove one setting (its default applies again). "
            "Example: rvutool config unset rate",
            arguments=(Argument("key", KEY, "KEY", "A setting, such as rate, target.month or fiscal_year_start."),)),
    Command("db init", f"{_C}.db:init", "Create the log's tables and roles in a database you own (safe to run "
            "again). Example: rvutool db init", (URL,),
            (Argument("url_arg", TEXT, "URL", "postgresql://owner@host/database (default: RVUTOOL_LOG_URL or "
                      "log.url).", required=False),)),
    Command("db add-user", f"{_C}.db:add_user", "Add a clinician (or --manager) to the practice's log. Example: "
            "rvutool db add-user drsmith",
            (Option(("--manager",), "manager", FLAG, "Reads every provider's entries (changes only their own)."),
             Option(("--password-file",), "password_file", TEXT, "The password is this file's first line (else it "
                    "is asked).", "FILE"), URL),
            (Argument("name", TEXT, "NAME", "The new login, such as drsmith."),)),
    Command("db push", f"{_C}.db:push", "Copy your personal log into the practice's log, as you; services already "
            "there are not added again. Example: rvutool db push",
            (Option(("--log",), "from_path", TEXT, "The personal log file to copy (default: your own, as `rvutool "
                    "paths` shows).", "PATH"), URL, ALLOW_IDENTIFIERS)),
    Command("fav add", f"{_C}.fav:add", "Name items you log together; log them with @NAME. Example: rvutool fav add "
            "knee-scope 29881 29877-59", (REPLACE, ALLOW_IDENTIFIERS),
            (Argument("name", TEXT, "NAME", "1-32 lower-case letters, digits, - or _, such as tka or knee-scope."),
             Argument("tokens", ITEM, "ITEM...", "Items as log takes them (29881 29877-59 97110x2), or other "
                      "@favourites.", many=True))),
    Command("fav list", f"{_C}.fav:list_all", "Show your favourites and their items. Example: rvutool fav list",
            (JSON,)),
    Command("fav remove", f"{_C}.fav:remove", "Remove a favourite (logged entries stay as they are). Example: "
            "rvutool fav remove tka", arguments=(Argument("name", FAV, "NAME", "The favourite's name."),)),
    Command("contract add", f"{_C}.contracts:add", "Store a contract (a later `effective` date adds a version). "
            "Example: rvutool contract add mercy.toml", (NAME, REPLACE),
            (Argument("file", TEXT, "FILE", "A contract file, TOML (README: Contracts)."),)),
    Command("contract check", f"{_C}.contracts:check", "Check a contract file and say what it means, storing "
            "nothing. Example: rvutool contract check offer.toml", (NAME, JSON),
            (Argument("file", TEXT, "FILE", "A contract file, TOML (README: Contracts)."),)),
    Command("contract list", f"{_C}.contracts:list_all", "List your contracts and their versions. Example: "
            "rvutool contract list", (JSON,)),
    Command("contract show", f"{_C}.contracts:show", "Show every version of a contract in words. Example: rvutool "
            "contract show mercy-2026", (JSON,),
            (Argument("name", TEXT, "NAME", "A contract's name, such as mercy-2026."),)),
    Command("contract remove", f"{_C}.contracts:remove", "Remove a contract (or one version); logged work is not "
            "touched. Example: rvutool contract remove offer",
            (Option(("--effective",), "effective", DAY, "Remove only the version effective on this date.",
                    "DATE"),),
            (Argument("name", TEXT, "NAME", "A contract's name, such as mercy-2026."),)),
    Command("contract compare", f"{_C}.contracts:compare", "The same logged work under two contracts: credited "
            "wRVU and pay per period, and the difference (default: this year). Example: rvutool contract compare "
            "mercy-2026 offer-2027 --year 2026", (*PERIOD, JSON, CSV),
            (Argument("first", TEXT, "A", "A contract's name."), Argument("second", TEXT, "B", "Another contract's "
                                                                        "name."),
             Argument("period", TEXT, "[PERIOD]", "A year (2026) or a month (2026-10, oct): the same as --year or "
                      "--month.", required=False))),
    Command("contract collections", f"{_C}.contracts:collections", "Enter a month's collections (for a "
            "collections_share contract), or list them. Example: rvutool contract collections --month 2026-10 "
            "41250", (MONTH_OPT, JSON),
            (Argument("amount", TEXT, "AMOUNT", "Dollars collected in the month; none: list what was entered.",
                      required=False),)),
    Command("contract fees import", f"{_C}.contracts:fees_import", "Import a fee schedule for a production "
            "contract (replaces its earlier one). Example: rvutool contract fees import fees.csv --contract "
            "smile-dental", (CONTRACT,),
            (Argument("file", TEXT, "FILE", "A CSV or .xlsx with a code and a fee column (and optionally a lab fee "
                      "column)."),)),
    Command("plan", f"{_C}.contracts:plan", "The wRVUs per remaining workday that reach an income under a "
            "contract. Example: rvutool plan --contract mercy-2026 --income 450000",
            (CONTRACT, Option(("--income",), "income", TEXT, "The year's earnings to reach, such as 450000.",
                              "DOLLARS"), YEAR_OPT, JSON)),
    Command("benchmark import", f"{_C}.contracts:import_benchmark", "Import a table of annual wRVU percentiles by "
            "specialty. Example: rvutool benchmark import mgma-2025.xlsx --source \"MGMA 2025 Provider "
            "Compensation\"",
            (Option(("--source",), "source", TEXT, "Where the figures come from (shown beside every figure).",
                    "SOURCE"), NAME, REPLACE),
            (Argument("file", TEXT, "FILE", "A CSV or .xlsx: specialty, p10 p25 p50 p75 p90 (two or more); "
                      "optional year, region, practice type, FTE basis."),)),
    Command("benchmark list", f"{_C}.contracts:list_benchmarks", "List the benchmark tables you imported, with "
            "their sources. Example: rvutool benchmark list", (JSON,)),
    Command("benchmark remove", f"{_C}.contracts:remove_benchmark", "Remove a benchmark table. Example: rvutool "
            "benchmark remove mgma-2025",
            arguments=(Argument("name", TEXT, "NAME", "A benchmark table's name (rvutool benchmark list)."),)),
)
GROUPS = {"data": "Bundled and imported CMS releases, and NCCI edits.",
          "config": "Settings: rate, targets, fiscal year, locality, payment policy.",
          "db": "A practice's shared log on PostgreSQL (for the practice's owner, and each clinician's push).",
          "fav": "Favourites: a name for items you log together, used as @NAME.",
          "contract": "Contracts: what your work pays (wRVU tiers, base, draw, production).",
          "contract fees": "A production contract's fee schedule.",
          "benchmark": "Benchmark tables you are licensed to use (wRVU percentiles by specialty)."}
ROOT_FLAGS = ("--version", "--install-completion", "--show-completion")
HELP = ("-h", "--help")
CURRENT = "current"  # what a bare --month or --year stands for (dates.CURRENT)


def command(path: list[str] | tuple[str, ...]) -> Command | None:
    return _BY_PATH.get(tuple(path))


_BY_PATH = {c.path: c for c in COMMANDS}


def normalize_argv(argv: list[str]) -> list[str]:
    """Let the options marked `bare` stand alone: `summary --year` means this (fiscal) year.

    typer options take a value, so a bare `--month` or `--year` (last, or followed by another option) is
    rewritten to `--month=current` / `--year=current` for every command whose option allows it. Such commands
    take no other words where it matters, so a word after the option is its value (`--month nov`).
    """
    words: list[str] = []
    for arg in argv:  # the command's words come first: `contract fees import FILE --contract x`
        if arg.startswith("-"):
            break
        words.append(arg)
    found = None
    for n in (3, 2, 1):  # the longest command path the words start with
        found = command(words[:n])
        if found is not None:
            break
    if found is not None and found.path == ("reconcile",):
        argv = _reconcile_outputs(argv, found)
    elif found is not None and found.path in RENAMED:
        argv = [_renamed(arg, RENAMED[found.path]) for arg in argv]
    bare = {name for o in found.options if o.bare for name in o.names} if found is not None else set()
    if not bare:
        return list(argv)
    out: list[str] = []
    for i, arg in enumerate(argv):
        if arg == "--":
            out.extend(argv[i:])
            break
        if arg in bare:
            following = argv[i + 1] if i + 1 < len(argv) else None
            out.append(arg if following is not None and not following.startswith("-") else f"{arg}={CURRENT}")
        else:
            out.append(arg)
    return out


# options renamed so that one name means one thing everywhere; the first spelling still works
RENAMED = {("db", "push"): {"--from": "--log"}}  # --from is a first day elsewhere


def _renamed(arg: str, names: dict[str, str]) -> str:
    name, equals, value = arg.partition("=")
    return f"{names[name]}{equals}{value}" if name in names else arg


# reconcile's file outputs as first released: `--csv FILE` (every line) and `--html FILE` (a dispute summary)
FILE_SPELLINGS = {"--csv": ".csv", "--html": ".html"}


def _reconcile_outputs(argv: list[str], found: Command) -> list[str]:
    """`reconcile REPORT --csv lines.csv --html dispute.html` is `-o lines.csv -o dispute.html`.

    `--csv` alone still prints CSV: it takes a file only when a word follows it and the employer's report is
    another word of the command line (`reconcile --csv report.csv` prints report.csv's comparison as CSV).
    """
    takes_value = {name for o in found.options if not o.flag for name in o.names}
    positionals, outputs = 0, []
    i = len(found.path)
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            positionals += len(argv) - i - 1
            break
        following = argv[i + 1] if i + 1 < len(argv) else None
        if arg in FILE_SPELLINGS and following is not None and not following.startswith("-"):
            outputs.append(i)
            i += 2
        elif arg in takes_value and "=" not in arg:
            i += 2
        else:
            positionals += not arg.startswith("-")
            i += 1
    out = list(argv)
    for at in reversed(outputs):
        if out[at] == "--csv" and not positionals:
            continue  # the word after --csv is the report itself
        out[at:at + 2] = [f"--output={argv[at + 1]}"]
    return out
