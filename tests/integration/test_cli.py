"""The CLI contract: help that tells the truth, exit 2 for usage errors, tokens."""
import re

from conftest import run_cli

SETTINGS_VARS = ["ITALIC_LISTEN", "ITALIC_DB", "ITALIC_TLS_CERT", "ITALIC_TLS_KEY", "ITALIC_AWS",
                 "ITALIC_MEMBER_ROLE", "ITALIC_EXTERNAL_ID", "ITALIC_VERIFY", "ITALIC_CONFIG_REPORT",
                 "ITALIC_SECURITYHUB", "ITALIC_SIEM_BUCKET", "ITALIC_SIEM_PREFIX",
                 "ITALIC_SIEM_FLUSH_SECONDS", "ITALIC_SWEEP_INTERVAL", "ITALIC_WORKERS",
                 "ITALIC_LOG_LEVEL", "ITALIC_METRICS_PUBLIC"]


def test_serve_help_lists_every_spec_setting_with_default():
    p = run_cli(["serve", "--help"])
    for var in SETTINGS_VARS:
        assert var in p.stdout, var
    assert "127.0.0.1:8080" in p.stdout and "./italic.db" in p.stdout and "6h" in p.stdout


def test_usage_errors_exit_2(tmp_path):
    db = str(tmp_path / "x.db")
    for args in (["serve", "--no-such-flag"], ["serve", "--workers", "0"], ["serve", "--aws", "maybe"],
                 ["serve", "--listen"], ["migrate", "--listen", "1.2.3.4:1"], ["frobnicate"], [],
                 ["token"], ["token", "create"], ["token", "create", "--role", "root"],
                 ["token", "create", "--role", "ingest", "--account", "12345"],
                 ["token", "create", "--role", "reader", "--account", "123456789012"],
                 ["token", "revoke"], ["version", "extra"]):
        p = run_cli(args, env={"ITALIC_DB": db}, check=False)
        assert p.returncode == 2, (args, p.returncode, p.stderr)
        assert p.stderr.strip(), args


def test_bad_environment_value_exits_2():
    p = run_cli(["serve"], env={"ITALIC_VERIFY": "sometimes"}, check=False)
    assert p.returncode == 2
    assert "ITALIC_VERIFY" in p.stderr and "sometimes" not in p.stderr


def test_version():
    p = run_cli(["version"])
    assert re.match(r"italic \d+\.\d+\.\d+ \(schema \d+", p.stdout)


def test_token_create_prints_only_the_token(tmp_path):
    db = str(tmp_path / "t.db")
    p = run_cli(["token", "create", "--role", "ingest", "--name", "eb", "--account", "111122223333"], db=db)
    assert re.fullmatch(r"itk_[A-Za-z0-9_-]{43}\n", p.stdout)
    token = p.stdout.strip()
    listing = run_cli(["token", "list"], db=db).stdout
    assert "eb" in listing and "111122223333" in listing and "ingest" in listing
    assert token not in listing and token[4:20] not in listing
    tid = re.search(r"(tok_[0-9a-f]{12})", listing).group(1)
    run_cli(["token", "revoke", tid], db=db)
    assert "revoked" in run_cli(["token", "list"], db=db).stdout
    p = run_cli(["token", "revoke", tid], db=db, check=False)
    assert p.returncode == 1


def test_migrate_fresh_and_repeat(tmp_path):
    db = str(tmp_path / "m.db")
    p1 = run_cli(["migrate"], db=db)
    p2 = run_cli(["migrate"], db=db)
    assert "schema version" in p1.stdout and p1.stdout.split()[-1] == p2.stdout.split()[-1]
