"""Pipelines (issue 18): ordered stages open / won / lost with default probabilities, edited without losing history
(a stage keeps its id when renamed or moved; one taken out is archived), configured by an administrator."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api.conftest import login

FUNNEL = {
    "name": "Опт",
    "stages": [
        {"name": "Контакт", "probability": 10},
        {"name": "Переговоры", "probability": 30},
        {"name": "КП отправлено", "probability": 50},
        {"name": "Счёт", "probability": 80},
        {"name": "Выиграна", "kind": "won"},
        {"name": "Проиграна", "kind": "lost"},
    ],
}


def test_a_pipeline_is_edited_without_losing_its_stages(api: TestClient) -> None:
    r = api.post("/api/v1/pipelines", json=FUNNEL)
    assert r.status_code == 201, r.text
    made = r.json()
    assert [(s["name"], s["kind"], s["probability"]) for s in made["stages"]][-2:] == [
        ("Выиграна", "won", 100),
        ("Проиграна", "lost", 0),
    ]
    ids = {s["name"]: s["id"] for s in made["stages"]}
    edited = {
        "name": "Оптовые продажи",
        "stages": [
            {"id": ids["Контакт"], "name": "Первый контакт", "probability": 5},
            {"id": ids["Счёт"], "name": "Счёт выставлен", "probability": 85},  # moved up, renamed
            {"name": "Отгрузка", "probability": 95},  # new
            {"id": ids["Выиграна"], "name": "Выиграна", "kind": "won"},
            {"id": ids["Проиграна"], "name": "Проиграна", "kind": "lost"},
        ],
    }
    after = api.put(f"/api/v1/pipelines/{made['id']}", json=edited).json()
    assert [s["name"] for s in after["stages"]] == [
        "Первый контакт",
        "Счёт выставлен",
        "Отгрузка",
        "Выиграна",
        "Проиграна",
    ]
    assert after["stages"][0]["id"] == ids["Контакт"] and after["stages"][1]["id"] == ids["Счёт"]
    assert {s["id"] for s in after["stages"]}.isdisjoint({ids["Переговоры"], ids["КП отправлено"]})  # archived
    assert api.get("/api/v1/pipelines").json() == [after]


def test_a_pipeline_needs_open_won_and_lost_stages_and_an_administrator(
    api: TestClient, client: TestClient, users: dict[str, int]
) -> None:
    no_lost = {"name": "Без проигрыша", "stages": [s for s in FUNNEL["stages"] if s.get("kind") != "lost"]}
    bad = api.post("/api/v1/pipelines", json=no_lost)
    assert bad.status_code == 422 and bad.json()["code"] == "pipeline.stages"
    twice = {"name": "Дубли", "stages": [*FUNNEL["stages"], {"name": "контакт"}]}
    assert api.post("/api/v1/pipelines", json=twice).json()["code"] == "pipeline.stage.names_repeat"
    assert api.post("/api/v1/pipelines", json=FUNNEL).status_code == 201
    assert api.post("/api/v1/pipelines", json=FUNNEL).status_code == 409  # the name is taken
    other = api.post("/api/v1/pipelines", json={**FUNNEL, "name": "Розница"}).json()
    foreign = {**FUNNEL, "stages": [{"id": other["stages"][0]["id"], "name": "Чужая"}, *FUNNEL["stages"]]}
    first = api.get("/api/v1/pipelines").json()[0]
    assert api.put(f"/api/v1/pipelines/{first['id']}", json=foreign).json()["code"] == "pipeline.stage.foreign"
    del client.headers["Authorization"]  # the api fixture's key: the manager signs in instead
    manager = login(client, "manager@test.local")
    assert manager.post("/api/v1/pipelines", json={**FUNNEL, "name": "Своя"}).status_code == 403
    assert len(manager.get("/api/v1/pipelines").json()) == 2  # but reads them
