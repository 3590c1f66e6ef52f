"""The priorities page shows what came out of the boards, with the way back to the board."""

from collab.services import boards as board_services


def test_a_promoted_group_is_listed_with_a_link_to_its_board(world, board, client):
    facilitator = world.people["facilitator"]
    zone = board.zones.first().pk

    def op(name, **data):
        return board_services.apply(principal=facilitator, board_id=board.pk, op=name, data=data, op_key=None)

    card = op("card.add", zone=zone, text="Share Year 6 profiles before September").payload["id"]
    op("cards.reveal")
    op("promote", target="priority", card=card)
    client.force_login(world.people["observer"])
    response = client.get(f"/c/{world.ours.slug}/priorities/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "Share Year 6 profiles before September" in html
    assert f'href="/boards/{board.pk}/"' in html and "What gets in the way?" in html


def test_no_priorities_yet_says_how_they_arrive(world, client):
    client.force_login(world.people["member"])
    html = client.get(f"/c/{world.ours.slug}/priorities/").content.decode()
    assert "No priorities yet" in html and "without retyping" in html
