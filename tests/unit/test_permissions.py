from dashboard.domain import permissions as p


def test_phone_numbers_and_names_are_masked():
    assert p.mask_phone("13812345678") == "138****5678"
    assert p.mask_phone("138-1234-5678") == "138****5678"
    assert p.mask_phone("12345") == "*****"
    assert p.mask_phone(None) is None
    assert p.mask_name("张三丰") == "张**"


def test_deny_by_default():
    assert not p.may_open_page(None, "/")
    assert not p.may_open_page("wall", "/dispatch")
    assert p.may_open_page("wall", "/wall")
    assert not p.may_open_page("dispatcher", "/nowhere")
    assert not p.may_call_api("leader", "POST", "/api/v1/incidents/<id>/actions")
    assert p.may_call_api("operator", "POST", "/api/v1/incidents/<id>/actions")
    assert not p.may_call_api("admin", "DELETE", "/api/v1/incidents/<id>")
