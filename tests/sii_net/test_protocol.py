"""The simulator insists on the details of the SII's protocol that real clients get wrong."""

from __future__ import annotations

import httpx

from appliance.sii.clients import SiiClient
from appliance.sii.clients.transport import USER_AGENT, multipart_form
from appliance.sii.simulator import SimulatorServer

FIELDS = [("rutSender", "13185095"), ("dvSender", "6"), ("rutCompany", "76123456"), ("dvCompany", "0")]


async def _post(
    http: httpx.AsyncClient, url: str, fields: list[tuple[str, str]], token: str, agent: str
) -> httpx.Response:
    body, content_type = multipart_form(
        fields, file_field="archivo", filename="envio.xml", content=b"<x/>", content_type="text/xml"
    )
    headers = {"Content-Type": content_type, "Cookie": f"TOKEN={token}", "User-Agent": agent}
    return await http.post(url, content=body, headers=headers)


async def test_dteupload_wants_prog_1_0_and_the_field_order(sii: SiiClient, server: SimulatorServer) -> None:
    token = await sii.dte.tokens.get()
    url = sii.hosts.dte_upload
    browser = await _post(sii.http, url, FIELDS, token, "Mozilla/5.0 (X11; Linux x86_64)")
    assert browser.headers["content-type"].startswith("text/html")  # a web page, not RECEPCIONDTE
    shuffled = await _post(sii.http, url, [FIELDS[2], FIELDS[3], FIELDS[0], FIELDS[1]], token, USER_AGENT)
    assert shuffled.headers["content-type"].startswith("text/html")
    proper = await _post(sii.http, url, FIELDS, token, USER_AGENT)
    assert b"<RECEPCIONDTE>" in proper.content and b"<STATUS>7</STATUS>" not in proper.content


async def test_boleta_api_wants_a_browser_user_agent(sii: SiiClient, server: SimulatorServer) -> None:
    token = await sii.boleta.tokens.get()
    url = sii.hosts.boleta_envio
    program = await _post(sii.http, url, FIELDS, token, "python-httpx/0.28")
    assert (program.status_code, program.text) == (401, "Token not valid")
    shuffled = await _post(sii.http, url, [FIELDS[1], *FIELDS[:1], *FIELDS[2:]], token, USER_AGENT)
    assert shuffled.status_code == 400
