import pytest

from dashboard import config


def test_defaults_work_without_anything(tmp_path):
    s = config.load(env={})
    assert s.bus_url == "memory://" and s.effective_database_url.startswith("sqlite:///")
    assert s.effective_push_port == s.port + 1


def test_environment_wins_over_the_file(tmp_path):
    f = tmp_path / "cityops.toml"
    f.write_text('[cityops]\nport = 9000\nlang = "en"\n')
    s = config.load(str(f), env={"CITYOPS_PORT": "9100", "CITYOPS_DEMO": "false"})
    assert (s.port, s.lang, s.demo) == (9100, "en", False)


def test_bad_values_are_refused_clearly(tmp_path):
    with pytest.raises(ValueError, match="CITYOPS_PORT='x' is not a valid int"):
        config.load(env={"CITYOPS_PORT": "x"})
    f = tmp_path / "c.toml"
    f.write_text("colour = 1\n")
    with pytest.raises(ValueError, match="unknown settings.*colour"):
        config.load(str(f), env={})


def test_every_setting_is_documented():
    assert all(doc for _, _, doc in config.describe())
