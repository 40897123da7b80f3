"""A city's reference data survives the store, so processes without the demo city read the same city."""
from dashboard.store import reference


def test_the_city_round_trips(store, small_city):
    with store.begin() as conn:
        reference.save_city(conn, small_city)
        reference.save_city(conn, small_city)   # replacing is idempotent
    with store.connect() as conn:
        city = reference.load_city(conn)
    assert (city.name_zh, city.name_en) == ("测试市", "Testville")
    assert city.districts == small_city.districts and city.segments == small_city.segments
    assert sorted(city.departments, key=lambda d: d.code) == sorted(small_city.departments, key=lambda d: d.code)
    assert city.stations == small_city.stations
    assert city.district_at(118.75, 32.05) == "D1"
