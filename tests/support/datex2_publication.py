"""A DATEX II MeasuredDataPublication of any size, written streaming (for the benchmark and the
memory test): v2 (d2LogicalModel/payloadPublication) or v3 (messageContainer/payload), plain or
gzip, sites of four lanes each (flow then speed per lane), in the shape national access points
publish them."""
from __future__ import annotations

import gzip
from pathlib import Path

V2_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<d2LogicalModel xmlns="http://datex2.eu/schema/2/2_0" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" modelBaseVersion="2">\n'
           '<exchange><supplierIdentification><country>nl</country><nationalIdentifier>NLNDW</nationalIdentifier>'
           '</supplierIdentification></exchange>\n'
           '<payloadPublication xsi:type="MeasuredDataPublication" lang="nl">\n'
           '<publicationTime>2025-06-11T08:16:03+02:00</publicationTime>\n'
           '<publicationCreator><country>nl</country><nationalIdentifier>NLNDW</nationalIdentifier></publicationCreator>\n'
           '<measurementSiteTableReference targetClass="MeasurementSiteTable" id="NDW01_MT" version="1"/>\n'
           '<headerInformation><confidentiality>noRestriction</confidentiality>'
           '<informationStatus>real</informationStatus></headerInformation>\n')
V2_TAIL = '</payloadPublication>\n</d2LogicalModel>\n'

V3_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n'
           '<mc:messageContainer xmlns:mc="http://datex2.eu/schema/3/messageContainer" '
           'xmlns:com="http://datex2.eu/schema/3/common" xmlns:roa="http://datex2.eu/schema/3/roadTrafficData" '
           'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" modelBaseVersion="3">\n'
           '<mc:payload xsi:type="roa:MeasuredDataPublication" lang="nl" modelBaseVersion="3">\n'
           '<com:publicationTime>2025-06-11T08:16:03+02:00</com:publicationTime>\n'
           '<com:publicationCreator><com:country>nl</com:country><com:nationalIdentifier>NLNDW'
           '</com:nationalIdentifier></com:publicationCreator>\n')
V3_TAIL = '</mc:payload>\n</mc:messageContainer>\n'


def _v2_site(i: int) -> str:
    lanes = "".join(
        f'<measuredValue index="{2 * k + 1}"><measuredValue><basicData xsi:type="TrafficFlow">'
        f'<vehicleFlow dataError="false"><vehicleFlowRate>{600 + (i * 7 + k * 60) % 900}</vehicleFlowRate>'
        f'</vehicleFlow></basicData></measuredValue></measuredValue>\n'
        f'<measuredValue index="{2 * k + 2}"><measuredValue><basicData xsi:type="TrafficSpeed">'
        f'<averageVehicleSpeed numberOfInputValuesUsed="{10 + k}"><speed>{60 + (i + k * 13) % 60}</speed>'
        f'</averageVehicleSpeed></basicData></measuredValue></measuredValue>\n' for k in range(4))
    return (f'<siteMeasurements>\n<measurementSiteReference targetClass="MeasurementSiteRecord" '
            f'id="RWS01_MONIBAS_{i:08d}ra" version="1"/>\n'
            f'<measurementTimeDefault>2025-06-11T08:15:00+02:00</measurementTimeDefault>\n{lanes}</siteMeasurements>\n')


def _v3_site(i: int) -> str:
    lanes = "".join(
        f'<roa:physicalQuantity index="{2 * k + 1}"><roa:basicData xsi:type="roa:TrafficFlow">'
        f'<roa:vehicleFlow><roa:vehicleFlowRate>{600 + (i * 7 + k * 60) % 900}</roa:vehicleFlowRate>'
        f'</roa:vehicleFlow></roa:basicData></roa:physicalQuantity>\n'
        f'<roa:physicalQuantity index="{2 * k + 2}"><roa:basicData xsi:type="roa:TrafficSpeed">'
        f'<roa:averageVehicleSpeed numberOfInputValuesUsed="{10 + k}"><roa:speed>{60 + (i + k * 13) % 60}'
        f'</roa:speed></roa:averageVehicleSpeed></roa:basicData></roa:physicalQuantity>\n' for k in range(4))
    return (f'<roa:siteMeasurements>\n<roa:measurementSiteReference targetClass="MeasurementSiteRecord" '
            f'id="RWS01_MONIBAS_{i:08d}ra" version="1"/>\n<roa:measurementTimeDefault>'
            f'2025-06-11T08:15:00+02:00</roa:measurementTimeDefault>\n{lanes}</roa:siteMeasurements>\n')


def write_publication(path: Path, target_bytes: int, *, version: int = 2, gzipped: bool = False) -> int:
    """Write a publication of about target_bytes (unzipped) to path; returns the number of sites."""
    head, tail, site = (V2_HEAD, V2_TAIL, _v2_site) if version == 2 else (V3_HEAD, V3_TAIL, _v3_site)
    opener = gzip.open if gzipped else open
    size, sites = 0, 0
    with opener(path, "wb") as f:
        f.write(head.encode())
        size += len(head)
        block: list[str] = []
        while size < target_bytes:
            text = site(sites)
            block.append(text)
            size += len(text)
            sites += 1
            if len(block) >= 500:
                f.write("".join(block).encode())
                block = []
        f.write(("".join(block) + tail).encode())
    return sites
