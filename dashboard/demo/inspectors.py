"""The demo city's inspectors (监督员, issue 18): who signs in on /field and which districts each walks.
Created with the other demo logins (AuthService.ensure_demo_users), on first start only.

`inspector` walks the district at the city's centre and its nearest neighbour (where the phone's map
opens); `inspector2` walks the rest, so a dispatcher's request for a check (核查) finds an inspector
for a case anywhere in the city.
"""
from __future__ import annotations

from dashboard.domain.city import City
from dashboard.domain.geo import haversine_m, to_shape

# username, display name (a person's name: the header adds the role in the screen's language)
INSPECTORS = (("inspector", "赵明"), ("inspector2", "孙丽"))
NEAR_CENTRE = 2     # districts in the first inspector's beat


def beats(city: City) -> dict[str, list[str]]:
    """Username → the district codes of their beat; every district of the city is in one beat."""
    def from_centre(district) -> float:
        c = to_shape(district.geometry).centroid
        return haversine_m(tuple(city.center), (c.x, c.y))
    ordered = [d.code for d in sorted(city.districts, key=from_centre)]
    (first, _), (second, _) = INSPECTORS
    return {first: sorted(ordered[:NEAR_CENTRE]), second: sorted(ordered[NEAR_CENTRE:])}
