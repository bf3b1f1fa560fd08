"""Concept rules (issue 12): each kind read from its meaning, in sentences written here in new words.

Every sentence was written for these tests, not copied from a corpus text: the positives state the clause in
words no licence in the corpus uses, the negatives use the same words without the clause. One sentence per text,
so the rule that reads it is the only one that can.
"""

from __future__ import annotations

import pytest
import yaml

from scanner.clauses import Definitions, engine, sentences
from tests.conftest import FIXTURES
from tests.test_clauses_generalise import kinds

RESTRICTIONS_TO_PASS = "\nYou must not use the Model for military purposes.\n您不得将本模型用于军事用途。"
WRITTEN = yaml.safe_load((FIXTURES / "concept-sentences.yml").read_text(encoding="utf-8"))


@pytest.mark.parametrize(("sentence", "kind", "present"), [
    *((s, kind, status == "present") for kind, texts in WRITTEN.items() for status, items in texts.items()
      for s in items),
    # notice, any verb and voice; a definition that mentions a notice is no duty
    ("Whenever the Model is handed on, a complete copy of this Licence must go with it.", "notice", True),
    ("You may redistribute the Model provided that this Licence text accompanies every copy.", "notice", True),
    ('"Work" shall mean the Model, as indicated by a copyright notice that is included in it.', "notice", False),
    # share-alike, in any verb; a free choice of licence is not share-alike; a dataset's terms are not this licence
    ("An Adapted Model may be shared only under this Licence and on no other terms.", "share-alike", True),
    ("Fine-tuned versions must be released under the same terms.", "share-alike", True),
    ("You may release your Adapted Model under terms of your own choosing.", "share-alike", False),
    ("Third-party training datasets may impose ShareAlike conditions of their own.", "share-alike", False),
    # restriction-passthrough
    ("Each recipient takes the Model subject to the same limits as you, and you must tell them so.",
     "restriction-passthrough", True),
    ("Every recipient of a Derivative is bound by the whole of this Agreement, including clause 4.",
     "restriction-passthrough", True),
    # attribution: publications, a quoted credit wherever shown; a name prefix is no credit
    ("Any paper that reports work done with the Model must acknowledge the Licensor as its source.",
     "attribution", True),
    ('If you offer a product built on the Model, you are required to (1) display the acknowledgement "Powered by '
     'Nimbus" on related pages.', "attribution", True),
    ("Papers using the Model should cite our report; we appreciate it.", "attribution", False),
    ('You shall include "Nimbus" at the beginning of any such model name.', "attribution", False),
    # no-derivatives: the work may not be handed on at all; handing it to a sanctioned party is another clause
    ("You may not sell, rent, lease, sublicense, lend or transfer, in whole or in part, the Software.",
     "no-derivatives", True),
    ("You may use the model, but you may not distribute the models.", "no-derivatives", True),
    ("You may not distribute the Model to any person located in an embargoed country.", "no-derivatives", False),
    ("You must not use the Model or a Derivative to harass anyone.", "no-derivatives", False),
    # output-restriction: a disclaimer of title restricts nothing
    ("We do not claim ownership of any content generated using the Model.", "output-restriction", False),
    # a threshold said with gross receipts is a threshold, not a non-commercial licence
    ("If the gross receipts of the Licensee for its most recent fiscal year exceed JPY 1.5 billion, the right in "
     "Article 3 does not extend to any commercial use.", "non-commercial", False),
    # Chinese
    ("被许可方不得使用输出内容训练、改进或评估任何其他语音合成模型或语言模型。", "output-restriction", True),
    ("生成结果亦仅可用于第二条规定的非营利目的。", "output-restriction", True),
    ("衍生模型仅可依据本协议的条款对外提供，被许可方不得为其另附其他许可条件。", "share-alike", True),
    ("接收方应受本协议全部限制的约束；", "restriction-passthrough", True),
    ("被许可方再分发模型时，应当将使用限制告知接收方，并要求接收方遵守。", "restriction-passthrough", True),
    ("使用模型或衍生品的出版物须对许可方予以鸣谢。", "attribution", True),
    ("我们鼓励您在论文中引用本模型。", "attribution", False),
    ("如果您使用本模型创建AI模型，该模型必须包含“Nimbus”命名。", "naming", True),
    ("被许可方不得将模型合成的语音数据用于训练、蒸馏或改进其他语音合成模型。", "output-restriction", True),
    ("您分发衍生模型的，应当以本协议作为其许可协议，不得以任何其他许可条款发布衍生模型。", "no-derivatives", False),
    ("如您的产品的注册用户累计达到三千万以上，或您的年度营收超过3000万元，您应当另行申请许可。",
     "revenue-threshold", True),
    # contractions, downstream floors, law submitted to, amounts in other currencies and Indian numbering
    ("You can't use the model, or a changed version of it, for commercial purposes.", "non-commercial", True),
    ("This licence doesn't give you any rights under our patents.", "patent-grant", False),
    ("You may sublicense under terms of your choice, provided that any sublicense is at least as protective of "
     "the Licensor as this Agreement and prohibits the conduct in Exhibit A.", "restriction-passthrough", True),
    ("Anyone you give the model to must agree to these terms, including the list of prohibited uses.",
     "restriction-passthrough", True),
    ("The parties submit to the laws of the State of New York.", "governing-law", True),
    ("The licence does not cover commercial use when net sales exceed MXN $400,000,000.00.", "revenue-threshold",
     True),
    ("If the Annual Turnover of the Licensee exceeds INR 50 crore, a commercial licence is required.",
     "revenue-threshold", True),
])
def test_concepts_in_new_words(sentence: str, kind: str, present: bool) -> None:
    # a duty to pass restrictions on counts only in a licence that has some: give it one, in each language
    text = sentence + (RESTRICTIONS_TO_PASS if kind == "restriction-passthrough" else "")
    assert (kind in kinds(text)) is present


def test_a_commercial_grant_elsewhere_cancels_a_research_grant() -> None:
    text = ("Subject to this Agreement, we grant you a licence to use the Model for any Research or Non-Commercial "
            "Purpose.\n\nSubject to this Agreement, we grant you a licence to use the Model for Commercial Purposes "
            "while your annual revenue is below USD 1,000,000.\n")
    assert "non-commercial" not in kinds(text)
    asked = "You may use the Model for non-commercial purposes.\n\nFor commercial use you may contact us.\n"
    assert "non-commercial" in kinds(asked)


def test_a_defined_purpose_that_is_not_for_gain_limits_the_grant() -> None:
    text = ('"Permitted Use" means scholarly inquiry, that is study and teaching, which is not directed at obtaining a '
            "commercial advantage or payment.\n\nYou may exercise the rights in clause 2 only for Permitted Use.\n")
    assert "non-commercial" in kinds(text)


def test_a_chinese_defined_region_reads_as_its_places() -> None:
    text = ("四、“排除地区”：指朝鲜民主主义人民共和国、伊朗伊斯兰共和国及叙利亚阿拉伯共和国。\n\n"
            "许可方不在排除地区授予任何许可；任何人不得在排除地区使用模型。\n")
    pieces = list(sentences(text))
    terms = Definitions.collect(pieces)
    assert "朝鲜民主主义人民共和国" in terms.expand(pieces[-1].normalized, len(pieces) - 1)
    found = [c for c in engine().extract(text, "LICENSE") if c.kind == "territory"]
    assert found and "朝鲜民主主义人民共和国" in " ".join(found[0].value["excluded"])


def test_values_keep_the_texts_own_characters() -> None:
    text = "您在论文中使用本模型的，应当注明“本研究使用了兰亭模型（兰亭科技有限公司）”。\n"
    values = [c.value for c in engine().extract(text, "LICENSE") if c.kind == "attribution" and c.value]
    assert {"text": "本研究使用了兰亭模型（兰亭科技有限公司）"} in values


def test_indian_numbering_and_other_currencies_are_read() -> None:
    text = ("If the number of Registered Users crosses 5,00,000 (five lakh), or annual turnover exceeds INR 50 crore, "
            "you must obtain a commercial licence.\n")
    found = {c.kind: c.value for c in engine().extract(text, "LICENSE")}
    assert found["user-threshold"]["limit"] == 500_000
    assert (found["revenue-threshold"]["limit"], found["revenue-threshold"]["currency"]) == (500_000_000, "INR")


def test_a_chinese_commercial_grant_before_a_threshold_is_no_non_commercial_licence() -> None:
    text = ("（二）您可以将模型用于非商业用途，无需向许可方支付费用。\n"
            "（三）在下列任一情形发生之前，您亦可免费将模型用于商业用途：\n"
            "1. 您及您的关联方的年营业收入达到人民币一千万元；\n")
    found = kinds(text)
    assert "non-commercial" not in found and "revenue-threshold" in found


def test_a_chinese_research_purpose_defined_then_used_is_non_commercial() -> None:
    text = ("“许可用途”是指为开展科学研究而对模型进行的实验、测试与分析。\n\n"
            "您仅可为许可用途使用、复制、修改模型。\n")
    assert "non-commercial" in kinds(text)
    wider = "“许可用途”是指任何合法用途，包括科学研究。\n\n您仅可为许可用途使用模型。\n"
    assert "non-commercial" not in kinds(wider)
