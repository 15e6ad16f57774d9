"""What the staff workbench shows a given user: their scope, the tools their role opens, warnings."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils.translation import gettext as _

from yimen.accounts import roles
from yimen.common.workdays import uncovered_years


def _event_tools(user) -> list[tuple[str, str, str]]:
    """一网统管 pages the user's role opens (see yimen.events)."""
    tools = []
    if user.can(roles.EVENT_COMMAND):
        tools.append(
            (_("指挥中心"), reverse("events:board"), _("全区事件地图、待分拣、联合执法审批、派遣规则"))
        )
    if user.can(roles.EVENT_HANDLE):
        tools.append((_("事件收件箱"), reverse("events:inbox"), _("实时接收派遣事件，签收、处置、退回")))
    if user.can(roles.EVENT_REPORT_GRID):
        tools.append((_("网格员上报"), reverse("events:report-grid"), _("手机定位、拍照上报巡查发现的问题")))
    if user.can(roles.EVENT_REPORT_HOTLINE):
        tools.append(
            (_("12345 来电登记"), reverse("events:report-hotline"), _("登记来电反映的问题，立即派遣"))
        )
    if user.can(roles.EVENT_VIEW):
        tools.append(
            (_("事件统计"), reverse("events:stats"), _("办结率、按期率、平均用时、满意度、热点网格"))
        )
    if user.can(roles.EVENT_VIEW) and not user.can(roles.EVENT_COMMAND):
        tools.append((_("事件一览"), reverse("events:board"), _("本辖区的事件地图与列表")))
    return tools


def workbench_context(user) -> dict:
    tools = []
    if user.can(roles.PERSON_VIEW):
        tools.append(
            (_("自然人库查询"), reverse("portal:registry_lookup"), _("按身份证号码识别申请人，信息默认脱敏"))
        )
    if user.can(roles.CATALOG_VIEW_DRAFTS):
        tools.append(
            (_("事项目录(草稿)"), reverse("api-docs") + "#/catalog", _("本部门事项的草稿版本与发布"))
        )
    if user.can(roles.PERSON_VIEW):
        tools.append(
            (_("标签画像"), reverse("proactive:tags"), _("标签定义、规则与人数，每人的标签及其依据"))
        )
        tools.append(
            (
                _("精准服务人群"),
                reverse("proactive:segments"),
                _("标签与区划组合圈定人群，实时计数，脱敏名单与留痕导出"),
            )
        )
        tools.append(
            (
                _("人生事件推送"),
                reverse("proactive:triggers"),
                _("办结、出生、生日、退休、离世、证照到期等事件触发的推送规则与推送量"),
            )
        )
    if user.can(roles.ENTERPRISE_VIEW):
        tools.append(
            (_("惠企政策"), reverse("policies:library"), _("扶持政策的适用规则、匹配企业与免申即享"))
        )
    if user.can(roles.NOTIFY_CAMPAIGN_MANAGE):
        tools.append((_("推送活动"), reverse("notify:campaigns"), _("向人群推送消息，进度与送达统计")))
    tools.extend(_event_tools(user))
    if user.can(roles.LEDGER_VIEW):
        tools.append((_("防篡改留痕"), "/ledger/", _("最新签名检查点、按对象查询留痕、验证记录")))
    if user.is_staff:
        tools.append((_("后台数据管理"), reverse("admin:index"), _("节假日表、部门、用户与事项")))
    tools.append((_("开放接口文档"), reverse("api-docs"), _("OpenAPI 3")))
    today = dt.date.today()
    missing = uncovered_years(today, today + dt.timedelta(days=365))
    warning = ""
    if missing:
        warning = _(
            "%(years)s 年的法定节假日尚未录入，工作日暂按周一至周五计算，请管理员录入国务院办公厅通知。"
        ) % {"years": "、".join(str(y) for y in missing)}
    return {
        "tools": tools,
        "calendar_warning": warning,
        "scope_department": user.department,
        "scope_division": user.division,
    }
