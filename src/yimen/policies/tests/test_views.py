import pytest
from django.urls import reverse

from yimen.policies import services
from yimen.policies.models import MatchState, PolicyMatch
from yimen.policies.tests.factories import TODAY, subsidy_spec

pytestmark = pytest.mark.django_db


@pytest.fixture
def matched(shipped):
    services.policy_save(spec=subsidy_spec(), actor="system")
    services.policies_match(today=TODAY)
    return shipped


def page(client, user, url, status=200):
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == status
    return response.content.decode() if status == 200 else response


def test_staff_see_the_library_with_readable_rules_and_counts(client, matched):
    html = page(client, matched.users["approver"], reverse("policies:library"))
    assert "小微企业失业保险稳岗返还" in html and "免申即享" in html
    assert "注册资本(万元) ≤ 1000" in html
    assert "具有标签“食品经营”（food_business）" in html
    assert "持有电子证照，事项 “食品经营许可”，有效" in html
    assert 'id="policy-catering_consumption_support"' in html


def test_staff_see_the_matched_enterprises_with_the_representative_masked(client, matched):
    rep = matched.e["restaurant"].legal_representative
    html = page(
        client, matched.users["approver"], reverse("policies:detail", args=["catering_consumption_support"])
    )
    assert matched.e["restaurant"].name in html and matched.e["restaurant"].uscc in html
    assert rep.name not in html and rep.name[0] + "*" in html
    # The approver may look but not rematch (it sends offers).
    assert "重新匹配" not in html


def test_citizens_and_agents_do_not_see_the_staff_pages(client, matched):
    page(client, matched.users["citizen"], reverse("policies:library"), 403)
    page(
        client,
        matched.users["agent_old_ltd"],
        reverse("policies:detail", args=["catering_consumption_support"]),
        403,
    )


def test_rematch_needs_the_campaign_capability(client, matched):
    url = reverse("policies:rematch", args=["catering_consumption_support"])
    client.force_login(matched.users["approver"])
    assert client.post(url).status_code == 403
    client.force_login(matched.users["data_admin"])
    response = client.post(url, follow=True)
    assert "匹配完成" in response.content.decode()


def test_the_agent_sees_what_the_enterprise_gets_and_why(client, matched):
    html = page(client, matched.users["agent_old_ltd"], reverse("policies:mine"))
    assert "工业企业技术改造补助" in html and "按设备投资额的10%补助" in html
    assert "行业 五金机械 = 五金机械" in html  # why: the rule over the enterprise's own data
    assert "一键申报" in html and "申请表将预填" in html and matched.e["old_ltd"].name in html
    assert "小微企业失业保险稳岗返还" in html and "已自动享受" in html
    assert "餐饮企业促消费扶持" not in html  # another enterprise's offer


def test_one_click_on_the_page_files_the_case_and_opens_it(client, matched):
    match = PolicyMatch.objects.get(policy__code="tech_upgrade_subsidy", enterprise=matched.e["old_ltd"])
    client.force_login(matched.users["agent_old_ltd"])
    response = client.post(reverse("policies:apply", args=[match.pk]))
    match.refresh_from_db()
    assert match.state == MatchState.APPLIED
    assert response.status_code == 302 and response["Location"] == reverse(
        "cases:detail", args=[match.case_id]
    )
    html = page(client, matched.users["agent_old_ltd"], reverse("policies:mine"))
    assert match.case.number in html


def test_missing_materials_are_listed_with_a_link_to_the_item(client, matched):
    match = PolicyMatch.objects.get(
        policy__code="startup_guarantee_loan_subsidy", enterprise=matched.e["new_ltd"]
    )
    client.force_login(matched.users["agent_new_ltd"])
    response = client.post(reverse("policies:apply", args=[match.pk]), follow=True)
    html = response.content.decode()
    assert "暂不能一键申报" in html and "创业担保贷款申请书" in html and "创业项目计划书" in html
    assert reverse("portal:item", args=[match.policy.item.implementation_code]) in html


def test_another_enterprises_match_is_not_found(client, matched):
    match = PolicyMatch.objects.get(policy__code="tech_upgrade_subsidy", enterprise=matched.e["old_ltd"])
    client.force_login(matched.users["agent_new_ltd"])
    assert client.post(reverse("policies:apply", args=[match.pk])).status_code == 404
    assert client.post(reverse("policies:dismiss", args=[match.pk])).status_code == 404
    match.refresh_from_db()
    assert match.state == MatchState.NOTIFIED


def test_dismiss_moves_the_offer_aside(client, matched):
    match = PolicyMatch.objects.get(
        policy__code="catering_consumption_support", enterprise=matched.e["restaurant"]
    )
    client.force_login(matched.users["agent_restaurant"])
    response = client.post(reverse("policies:dismiss", args=[match.pk]), follow=True)
    html = response.content.decode()
    assert "已标记不需要" in html
    match.refresh_from_db()
    assert match.state == MatchState.DISMISSED


def test_a_legal_representative_sees_their_enterprises_offers_read_only(client, matched):
    from yimen.registry.tests.factories import UserFactory

    rep = matched.e["restaurant"].legal_representative
    user = UserFactory(role="citizen", person=rep)
    html = page(client, user, reverse("policies:mine"))
    assert "餐饮企业促消费扶持" in html and "一键申报请使用企业经办人账号" in html
    assert "一键申报</button>" not in html


def test_a_citizen_without_enterprises_is_told_to_use_an_agent_account(client, matched):
    client.force_login(matched.users["citizen"])
    response = client.get(reverse("policies:mine"))
    assert response.status_code == 403 and "请使用企业经办人账号登录" in response.content.decode()


def test_the_agent_page_reads_in_english_when_asked(client, matched):
    client.force_login(matched.users["agent_old_ltd"])
    html = client.get(reverse("policies:mine"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Apply in one click" in html and "Why you qualify" in html and "Granted automatically" in html
    assert "Enterprise support policies" in html
