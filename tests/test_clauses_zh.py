"""Chinese clause rules (rules/clauses/zh/): every kind on sentences written here (none copied from the corpus),
with the values read from them, and the precision traps each kind must not fall into."""

from __future__ import annotations

from typing import Any

import pytest

from scanner.clauses import engine
from scanner.models import Clause


def found(text: str, kind: str) -> list[Clause]:
    return [c for c in engine().extract(text, "LICENSE") if c.kind == kind]


# (kind, sentence, expected value or None when the kind has none): each must be found, with that value.
POSITIVES: list[tuple[str, str, dict[str, Any] | None]] = [
    # non-commercial
    ("non-commercial", "本模型仅限于非商业目的使用。", None),
    ("non-commercial", "被许可人只能将本软件用于学术研究和教学。", None),
    ("non-commercial", "本权重仅供科研使用，任何其他用途均不被许可。", None),
    ("non-commercial", "您不得将本模型或其衍生品用于任何商业用途。", None),
    ("non-commercial", "严禁将本作品用于商业化部署。", None),
    ("non-commercial", "许可方授予您一项免费许可，您可以为非商业目的使用、复制和修改本模型。", None),
    ("non-commercial", "如需将本模型用于商业用途，您须另行获得许可方的书面许可。", None),
    ("non-commercial", "若您希望商用，应当与我们单独签订商业许可协议。", None),
    # user-threshold
    ("user-threshold", "如果您的产品月活跃用户数超过5000万，则您必须向我们申请单独的许可。",
     {"limit": 50_000_000, "metric": "monthly_active_users", "comparison": "above"}),
    ("user-threshold", "若被许可人的日活跃用户超过一百万，须另行取得授权。",
     {"limit": 1_000_000, "metric": "daily_active_users"}),
    ("user-threshold", "您的服务注册用户数量不得超过10万人。", {"limit": 100_000, "metric": "registered_users"}),
    ("user-threshold", "超过2亿月活跃用户的，应当联系许可方获取商业授权。",
     {"limit": 200_000_000, "metric": "monthly_active_users"}),
    ("user-threshold", "对于月活跃用户少于1,000万的企业，可以免费商用。",
     {"limit": 10_000_000, "metric": "monthly_active_users", "comparison": "below"}),
    ("user-threshold", "日均活跃用户在100万以上的企业，须另行申请授权。",
     {"limit": 1_000_000, "metric": "daily_active_users", "comparison": "above"}),
    # revenue-threshold
    ("revenue-threshold", "如果您上一年度的营业收入超过人民币1亿元，您须与许可方另行签订协议。",
     {"limit": 100_000_000, "currency": "CNY", "period": "annual"}),
    ("revenue-threshold", "若被许可人年收入超过二千万元，则应申请商业许可。",
     {"limit": 20_000_000, "currency": "CNY", "period": "annual"}),
    ("revenue-threshold", "年度销售额超过500万美元的企业，需要获得单独的授权。",
     {"limit": 5_000_000, "currency": "USD", "period": "annual"}),
    ("revenue-threshold", "您的年营业额不得超过3000万元人民币。", {"limit": 30_000_000, "currency": "CNY"}),
    # attribution
    ("attribution", "您须在产品页面显著展示“基于星河大模型开发”字样。", {"text": "基于星河大模型开发"}),
    ("attribution", "被许可人应在用户界面上注明“Powered by Lumen”。", {"text": "Powered by Lumen"}),
    ("attribution", "您需要在模型说明中注明该衍生模型系基于本模型进行训练。", {}),
    ("attribution", "使用者发布衍生作品时必须注明原始模型的来源。", {}),
    ("attribution", "您须在产品中注明使用了Lumen模型。", {}),
    # naming
    ("naming", "衍生模型的名称须以“Aurora”开头。", {"prefix": "Aurora"}),
    ("naming", "您应在任何此类模型名称的开头加上“Qilin-”。", {"prefix": "Qilin-"}),
    ("naming", "发布衍生模型时，其模型名称应以 Sky 为前缀。", {"prefix": "Sky"}),
    ("naming", "衍生模型的名称中须包含“Zephyr”。", {"includes": "Zephyr"}),
    # notice
    ("notice", "再分发本模型时，您必须随附本许可证的副本。", None),
    ("notice", "上述版权声明和本许可声明均应包含在本作品的所有副本中。", None),
    ("notice", "您须保留源代码中的全部版权声明。", None),
    ("notice", "您不得删除或修改模型文件中的版权信息。", None),
    ("notice", "分发本模型时，您须一并提供本许可协议。", None),
    # output-restriction
    ("output-restriction", "您不得使用本模型的输出来训练其他大语言模型。", None),
    ("output-restriction", "模型生成的内容不得用于开发与本模型竞争的模型。", None),
    ("output-restriction", "您应当在遵守本协议的前提下使用模型生成的内容。", None),
    ("output-restriction", "模型的输出同样受本协议的使用限制约束。", None),
    # use-restrictions
    ("use-restrictions", "您不得将本模型用于任何违法犯罪活动。", None),
    ("use-restrictions", "禁止利用本模型从事危害国家安全的行为。", None),
    ("use-restrictions", "您同意严格遵守附件一所列的禁止用途。", None),
    ("use-restrictions", "附件二：使用限制", None),
    ("use-restrictions", "您承诺不以下列方式使用本模型：", None),
    ("use-restrictions", "您不得将本模型用于下列用途：", None),
    # restriction-passthrough
    ("restriction-passthrough", "您应将本协议第五条的使用限制纳入您与下游用户签订的任何协议中。", None),
    ("restriction-passthrough", "您必须要求接收方遵守与本协议同等的使用限制。", None),
    ("restriction-passthrough", "您须以与本许可相同的条款授权下游用户使用衍生模型。", None),
    # patent-grant
    ("patent-grant", "贡献者特此授予您永久的、全球性的、免费的专利许可，以制造、使用和销售本作品。", None),
    ("patent-grant", "许可方在此给予被许可人不可撤销的专利实施许可。", None),
    ("patent-grant", "您将根据本协议获得一项免版税的专利许可。", None),
    # patent-termination
    ("patent-termination",
     "如果您对任何实体提起专利诉讼，声称本模型侵犯其专利，则本协议授予您的专利许可自诉讼提起之日起终止。", None),
    ("patent-termination", "若被许可人发起诉讼主张本作品侵犯其知识产权，本许可将自动终止。", None),
    ("patent-termination", "本协议授予您的专利许可将于您提起专利侵权诉讼之日终止。", None),
    # registration
    ("registration", "商业使用前，您须在官方网站填写登记表。", None),
    ("registration", "使用本模型之前，您应当向许可方提交申请并说明用途。", None),
    ("registration", "如您计划商用，请发送邮件至license@example.com申请授权。", None),
    ("registration", "未经许可方书面同意，您不得将本模型用于商业目的。", None),
    ("registration", "您须事先获得我们的书面授权，方可部署本模型。", None),
    ("registration", "使用本模型前请先在官网登记。", None),
    # governing-law
    ("governing-law", "本协议受新加坡法律管辖。", {"jurisdiction": "新加坡", "jurisdiction_en": "Singapore"}),
    ("governing-law", "本协议的订立、履行和解释均适用中华人民共和国法律。",
     {"jurisdiction": "中华人民共和国", "jurisdiction_en": "People's Republic of China"}),
    ("governing-law", "因本许可证产生的争议，依照香港特别行政区法律解决。",
     {"jurisdiction": "香港特别行政区", "jurisdiction_en": "Hong Kong SAR"}),
    ("governing-law", "本协议的管辖法律为日本法律。", {"jurisdiction": "日本", "jurisdiction_en": "Japan"}),
    ("governing-law", "适用于本协议的法律为新加坡共和国法律。",
     {"jurisdiction": "新加坡共和国", "jurisdiction_en": "Singapore"}),
    # territory
    ("territory", "您不得在欧盟境内使用本模型。", {"excluded": ["欧盟"]}),
    ("territory", "本许可不适用于位于香港、澳门和台湾地区的个人或实体。", {"excluded": ["香港", "澳门", "台湾地区"]}),
    ("territory", "禁止在中华人民共和国境内部署本模型。", {"excluded": ["中华人民共和国"]}),
    # share-alike
    ("share-alike", "您分发的衍生模型必须以本协议相同的条款发布。", None),
    ("share-alike", "使用者须采用与本许可相同的方式授权他人使用修改后的模型。", None),
    ("share-alike", "任何修改后的版本只能以本许可证发布。", None),
    # no-derivatives
    ("no-derivatives", "您不得修改本模型。", None),
    ("no-derivatives", "被许可人不得发布或分发基于本模型的衍生模型。", None),
    ("no-derivatives", "您可以在内部使用本模型，但不得公开修改后的版本。", None),
]


@pytest.mark.parametrize(("kind", "sentence", "value"), POSITIVES, ids=[f"{k}-{i}" for i, (k, _, _) in
                                                                       enumerate(POSITIVES)])
def test_chinese_clause_is_found_with_its_value(kind: str, sentence: str, value: dict[str, Any] | None) -> None:
    clauses = found(sentence, kind)
    assert clauses, f"{kind} not found in {sentence}"
    assert all(c.rule.startswith("zh/") for c in clauses)
    if value is not None:
        assert any(all((c.value or {}).get(k) == v for k, v in value.items()) for c in clauses), \
            [c.value for c in clauses]


# (kind, sentence): each must NOT yield that kind.
TRAPS: list[tuple[str, str]] = [
    ("non-commercial", "您可以将本模型用于商业和非商业用途。"),
    ("non-commercial", "本模型可免费用于学术研究，也可以用于商业目的。"),
    ("non-commercial", "本许可允许您免费使用本模型进行学术研究；商业使用者完成登记后即可免费商用。"),
    ("non-commercial", "您不得侵犯他人的商业秘密。"),
    ("non-commercial", "无论出于商业还是非商业目的，您均可使用本模型。"),
    ("non-commercial", "您不得限制他人对本模型的商业使用。"),
    ("non-commercial", "对于希望商用的用户，需在官网完成登记并获得商业许可。"),
    ("user-threshold", "截至目前，本模型已服务超过1亿用户。"),
    ("user-threshold", "我们的平台拥有超过5000万月活跃用户。"),
    ("user-threshold", "用户数量超过一定规模的，建议与我们联系。"),
    ("revenue-threshold", "本公司去年的营业收入已超过人民币10亿元。"),
    ("revenue-threshold", "许可方的赔偿责任总额不超过人民币100元。"),
    ("attribution", "未经许可方书面同意，您不得声明“本产品由许可方认可”。"),
    ("attribution", "您必须以显著的方式说明修改的内容。"),
    ("attribution", "您无需在产品中标注“Powered by Lumen”。"),
    ("naming", "您不得在衍生模型的名称中使用“Aurora”。"),
    ("naming", "模型名称可以自由选择。"),
    ("notice", "许可方可能会不时更新本协议。"),
    ("notice", "您无需随附本许可证的副本。"),
    ("output-restriction", "您可以使用本模型的输出来训练其他模型。"),
    ("output-restriction", "许可方不得使用您的输出训练其模型。"),
    ("output-restriction", "模型的输出不受本协议限制，归您所有。"),
    ("use-restrictions", "使用者不得另外使用任何法律条款或技术措施，限制他人做本协议准许的任何事情。"),
    ("use-restrictions", "使用者不得以发布者的名义推广此模型。"),
    ("restriction-passthrough", "您可以为您的修改提供额外或不同的许可条款。"),
    ("restriction-passthrough", "您无需要求下游用户遵守本协议。"),
    ("patent-grant", "本协议不授予任何专利许可。"),
    ("patent-grant", "您不得侵犯任何第三方的著作权、专利权等知识产权。"),
    ("patent-termination", "本协议授予的专利许可不因您提起诉讼而终止。"),
    ("patent-termination", "如果您违反本协议的任何条款，我们可以终止本协议。"),
    ("patent-termination", "协商不成时，任何一方均可向许可方所在地人民法院提起诉讼。"),
    ("registration", "未经许可方书面同意，您不得使用许可方的任何商标。"),
    ("registration", "您需要获得个人信息主体的授权同意。"),
    ("registration", "您无需登记即可免费使用本模型。"),
    ("registration", "您不得将许可方的标识申请注册商标。"),
    ("governing-law", "您不得违反任何国家的法律法规，尤其是中华人民共和国的法律法规。"),
    ("governing-law", "许可方有权依据法律法规保存有关信息并向有关部门报告。"),
    ("territory", "您不得在任何情况下使用本模型伤害他人。"),
    ("territory", "您不得在任何国家违反当地法律使用本模型。"),
    ("share-alike", "您可以为衍生模型选择任何许可证。"),
    ("share-alike", "您分发衍生模型时无需采用与本协议相同的条款。"),
    ("no-derivatives", "您不得出于任何军事目的修改或创建本模型的衍生作品。"),
    ("no-derivatives", "您不得修改本协议。"),
    ("no-derivatives", "您可以发布与传播经修改的派生模型。"),
    ("no-derivatives", "您不得修改或删除版权声明。"),
]


@pytest.mark.parametrize(("kind", "sentence"), TRAPS, ids=[f"{k}-{i}" for i, (k, _) in enumerate(TRAPS)])
def test_chinese_precision_trap_yields_no_clause(kind: str, sentence: str) -> None:
    assert not found(sentence, kind), [(c.rule, c.value) for c in found(sentence, kind)]


def test_every_kind_has_chinese_rules() -> None:
    kinds = {rule.kind for rule in engine().rules if rule.id.startswith("zh/")}
    assert kinds == set(engine().kinds)
    assert {kind for kind, _, _ in POSITIVES} == set(engine().kinds)


DOCUMENT = """示例模型许可协议

第一条 许可

许可方授予您非独占的许可，您仅可将本模型用于学术研究目的。
如您的产品月活跃用户超过三千万，您须另行申请商业授权；
您不得利用本模型的输出改进其他模型。

第二条 其他

本协议受中华人民共和国法律管辖。
This Agreement is governed by the laws of the People's Republic of China.
"""


def test_quotes_are_verbatim_at_their_lines() -> None:
    clauses = engine().extract(DOCUMENT, "LICENSE")
    lines = DOCUMENT.split("\n")
    by_kind = {c.kind: c for c in clauses}
    assert {"non-commercial", "user-threshold", "output-restriction", "governing-law"} <= set(by_kind)
    for clause in clauses:
        window = "\n".join(lines[clause.start_line - 1: clause.end_line])
        assert clause.quote in window, (clause.kind, clause.start_line, clause.quote)
    assert by_kind["non-commercial"].start_line == 5
    assert by_kind["user-threshold"].value == {"limit": 30_000_000, "metric": "monthly_active_users",
                                               "comparison": "above"}
    assert by_kind["user-threshold"].start_line == 6
    assert by_kind["user-threshold"].quote == "如您的产品月活跃用户超过三千万，您须另行申请商业授权；"
    assert by_kind["output-restriction"].quote == "您不得利用本模型的输出改进其他模型。"
    # The two halves of a bilingual governing-law clause are one clause, read where it first appears.
    law = [c for c in clauses if c.kind == "governing-law"]
    assert len(law) == 1 and law[0].start_line == 11
    assert law[0].value == {"jurisdiction": "中华人民共和国", "jurisdiction_en": "People's Republic of China"}


def test_limits_are_integers_and_currency_is_cny() -> None:
    [clause] = found("若您的年营业收入超过人民币五亿元，则须另行获得许可方的书面授权。", "revenue-threshold")
    assert clause.value is not None
    limit = clause.value["limit"]
    assert isinstance(limit, int) and limit == 500_000_000
    assert clause.value["currency"] == "CNY" and clause.value["period"] == "annual"


def test_full_width_forms_are_read() -> None:
    [clause] = found("如果月活跃用户超过１０００万，须另行申请授权。", "user-threshold")
    assert clause.value is not None and clause.value["limit"] == 10_000_000
    assert clause.quote == "如果月活跃用户超过１０００万，须另行申请授权。"


# -- non-commercial said in other words, and its traps (written for these tests) ----------------------------
ZH_NON_COMMERCIAL: list[str] = [
    "本模型及其衍生模型不得用于任何营利目的。",
    "被许可人不得将本软件用于盈利。",
    "您不得利用本模型或其输出获取任何收益。",
    "本权重仅供个人学习研究之用。",
    "您只能将本模型用于内部评估与测试。",
    "任何以营利为目的的使用均被禁止，不得用于此类活动。",
]


@pytest.mark.parametrize("sentence", ZH_NON_COMMERCIAL, ids=[f"nc-{i}" for i in range(len(ZH_NON_COMMERCIAL))])
def test_chinese_non_commercial_in_other_words(sentence: str) -> None:
    assert found(sentence, "non-commercial"), sentence


ZH_NON_COMMERCIAL_TRAPS: list[str] = [
    "您不得利用本模型从事非法牟利活动。",
    "许可方不得就本模型向您收取任何费用，也不得借此牟利。",
    "本模型可供非营利机构和商业公司同样使用。",
    "本模型由我们的实验室为学术研究而训练。",
    "完成登记后，您即可将本模型免费用于商业目的。",
    "年营业收入超过人民币1亿元的企业，须另行获得商业许可。",
]


@pytest.mark.parametrize("sentence", ZH_NON_COMMERCIAL_TRAPS,
                         ids=[f"nc-trap-{i}" for i in range(len(ZH_NON_COMMERCIAL_TRAPS))])
def test_chinese_non_commercial_precision_traps(sentence: str) -> None:
    assert not found(sentence, "non-commercial"), [c.rule for c in found(sentence, "non-commercial")]


# -- batch 3 mechanisms (written for these tests) ----------------------------------------------------------
ZH_BATCH3: list[tuple[str, str]] = [
    ("non-commercial", "本模型权重依据 CC BY-NC 4.0 许可协议提供。"),
    ("non-commercial", "如您希望将本模型用于商业场景，请事先征得许可方的书面同意。"),
    ("non-commercial", "本许可证不涵盖任何商业用途。"),
    ("non-commercial", "使用者承诺不把本模型投入任何商业性质的活动。"),
    ("output-restriction", "您不得借助本模型或其衍生模型去优化任何第三方的算法模型。"),
    ("no-derivatives", "未经许可，禁止基于本模型进行二次开发。"),
    ("no-derivatives", "本协议未授予您改编或微调本模型的权利。"),
    ("no-derivatives", "您只能分发原封不动的模型文件。"),
]


@pytest.mark.parametrize(("kind", "sentence"), ZH_BATCH3, ids=[f"{k}-{i}" for i, (k, _) in enumerate(ZH_BATCH3)])
def test_chinese_batch3_mechanisms(kind: str, sentence: str) -> None:
    assert found(sentence, kind), sentence


ZH_BATCH3_TRAPS: list[tuple[str, str]] = [
    # a licence that stops above a threshold is a threshold, not a non-commercial licence
    ("non-commercial", "若您的年营业收入超过人民币三千万元，本许可不适用于您，您须另行签订商业许可协议。"),
    ("non-commercial", "商业使用须获得授权，但月活跃用户低于一千万的用户除外。"),
    # the licensor's own promise is no restriction on the licensee
    ("output-restriction", "许可方不得利用您的数据训练其他模型。"),
    # a disclaimer to be declared credits no one
    ("attribution", "您须在发布页面上声明“本衍生模型与原作者无关，原作者不承担任何责任”。"),
]


@pytest.mark.parametrize(("kind", "sentence"), ZH_BATCH3_TRAPS,
                         ids=[f"{k}-{i}" for i, (k, _) in enumerate(ZH_BATCH3_TRAPS)])
def test_chinese_batch3_precision_traps(kind: str, sentence: str) -> None:
    assert not found(sentence, kind), [c.rule for c in found(sentence, kind)]


def test_chinese_commercial_grant_after_registration_undoes_research_only() -> None:
    gate = "本模型仅限学术研究使用。完成注册的企业可以免费将本模型用于商业用途。"
    assert not found(gate, "non-commercial")
    assert found("本模型仅限学术研究使用。", "non-commercial")
    assert found("本模型仅限学术研究使用。完成注册的企业不得将本模型用于商业用途。", "non-commercial")


def test_chinese_copies_as_subject_carry_the_licence() -> None:
    assert found("该软件的所有副本都必须附带本许可协议。", "notice")
    assert not found("该报告的所有副本都必须附带一封说明信。", "notice")


def test_chinese_licensee_ban_is_not_the_licensors_promise() -> None:
    # 被许可人 (the licensee) contains 许可人 (the licensor): the licensee's ban is a use restriction
    assert found("被许可人不得利用本软件伪造他人身份实施欺诈。", "use-restrictions")
    assert not found("许可人不得利用被许可人的数据实施欺诈。", "use-restrictions")


def test_a_list_of_excluded_places_is_one_clause_quoted_as_the_file_has_it() -> None:
    """Each item of a list under a denial ("not in the following regions:") names a place; the items make one
    territory clause whose quote is the items as written, in either language."""
    text = ("第十条 地域限制\n本协议不授予您在以下地区使用、部署或者分发本模型的权利：\n"
            "1、欧洲联盟成员国；\n2、大不列颠及北爱尔兰联合王国。\n")
    (clause,) = [c for c in engine().extract(text, "LICENSE") if c.kind == "territory"]
    assert clause.value == {"excluded": ["欧洲联盟成员国", "大不列颠及北爱尔兰联合王国"]}
    assert (clause.start_line, clause.end_line) == (3, 4) and clause.quote in text
    english = "5. Territory\nYou may not use the Model in the following countries:\n- Cuba;\n- Iran; and\n- Syria.\n"
    (clause,) = [c for c in engine().extract(english, "LICENSE") if c.kind == "territory"]
    assert clause.value == {"excluded": ["Cuba", "Iran", "Syria"]} and clause.quote == "- Cuba;\n- Iran; and\n- Syria."
