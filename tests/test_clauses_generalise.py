"""Clauses said in other words: written texts (not corpus sentences) for every kind, positive with their value
and precision traps, varying wording, voice, number formats, currencies and jurisdictions."""

from __future__ import annotations

import time
from typing import Any

import pytest

from scanner.clauses import Definitions, engine, parse_number, sentences


def kinds(text: str) -> dict[str, list[Any]]:
    found: dict[str, list[Any]] = {}
    for clause in engine().extract(text, "LICENSE"):
        found.setdefault(clause.kind, []).append(clause.value)
    return found


POSITIVE: list[tuple[str, str, Any]] = [
    # non-commercial
    ("non-commercial", "The Licensee may run the weights exclusively for academic purposes.", None),
    ("non-commercial", "Use of the checkpoints is permitted for evaluation purposes only.", None),
    ("non-commercial", "These weights are made available for personal and educational use only.", None),
    ("non-commercial", "Any commercial exploitation of the Model is strictly prohibited.", None),
    ("non-commercial", "Commercial usage requires a separate written agreement with the Publisher.", None),
    ("non-commercial", "You may not deploy the Model in any revenue-generating product.", None),
    ("non-commercial", "The Model is not for any commercial purpose.", None),
    ("non-commercial", '"Allowed Use" means scientific study and evaluation only, excluding any sale.\n\n'
                       "You may copy the Model only for an Allowed Use.", None),
    # notice
    ("notice", "A copy of the copyright notice shall be retained in every redistributed file.", None),
    ("notice", "Each copy you hand on must be accompanied by a copy of this License.", None),
    ("notice", "You must not remove any proprietary legends from the weights.", None),
    ("notice", "Anyone who receives the files from you must also receive a copy of these terms.", None),
    # share-alike
    ("share-alike", "Modified models may be released only under the terms of this License.", None),
    ("share-alike", "You shall license any Adaptation you share under this licence or a compatible one.", None),
    ("share-alike", "Derivatives you publish must be distributed under the same terms.", None),
    # registration
    ("registration", "Before any commercial deployment you must notify the Vendor in writing.", None),
    ("registration", "Production use requires the prior written approval of the Foundation.", None),
    ("registration", "You shall submit the online application form before using the Model commercially.", None),
    # restriction-passthrough
    ("restriction-passthrough", "You must make sure that every recipient is bound by the same use restrictions.", None),
    ("restriction-passthrough", "The limitations of Section 4 apply equally to any fine-tuned version you share.",
     None),
    # output-restriction
    ("output-restriction", "Content generated with the Model shall not be used to train a competing model.", None),
    ("output-restriction", "Outputs remain subject to the restrictions of this Agreement.", None),
    ("output-restriction", "You may not use the Model to improve any other large language model.", None),
    # no-derivatives
    ("no-derivatives", "You may not modify or adapt the Model.", None),
    ("no-derivatives", "No derivative works of the weights may be distributed.", None),
    # patent-grant / patent-termination
    ("patent-grant", "The Author grants you a worldwide patent license to make and use the Model.", None),
    ("patent-termination", "Should you file a lawsuit alleging that the Model infringes a patent, your rights "
                           "under this Agreement end automatically.", None),
    # attribution / naming
    ("attribution", 'Redistributors must give credit to "Acme Vision" in their documentation.',
     {"text": "Acme Vision"}),
    ("naming", 'You must add "Acme" to the beginning of the name of any derived model.', {"prefix": "Acme"}),
    # thresholds
    ("user-threshold", "If your services exceed twelve million (12,000,000) monthly active users, you must "
                       "obtain a license.", {"limit": 12000000, "metric": "monthly_active_users"}),
    ("user-threshold", "Where the number of DAU is greater than 2.5 million, a separate license is required.",
     {"limit": 2500000, "metric": "daily_active_users"}),
    ("user-threshold", "Licensees with more than 500,000 monthly unique users must request a license.",
     {"limit": 500000, "metric": "monthly_active_users"}),
    ("revenue-threshold", "If your turnover over the last twelve months exceeds GBP 10m, this licence ends.",
     {"limit": 10000000, "currency": "GBP", "period": "annual"}),
    ("revenue-threshold", "Entities whose revenue is higher than CHF 5 million per calendar month must contact "
                          "us.", {"limit": 5000000, "currency": "CHF", "period": "monthly"}),
    ("revenue-threshold", "If annual revenue exceeds EUR 2.5 bn, you must obtain a commercial license.",
     {"limit": 2500000000, "currency": "EUR", "period": "annual"}),
    ("revenue-threshold", "A license is required if gross revenue is more than US$1,000,000 in the preceding "
                          "fiscal year.", {"limit": 1000000, "currency": "USD", "period": "annual"}),
    # governing law / territory
    ("governing-law", "This Agreement shall be construed in accordance with the laws of Ireland.",
     {"jurisdiction": "Ireland"}),
    ("governing-law", "The laws of the State of New York shall govern this License.",
     {"jurisdiction": "State of New York"}),
    ("territory", "You may not use the Model if you are located in Russia or Belarus.",
     {"excluded": ["Russia", "Belarus"]}),
    ("territory", '"Restricted Region" means Cuba, Iran and Syria.\n\nNo rights are granted in any '
                  "Restricted Region.", {"excluded": ["Cuba", "Iran", "Syria"]}),
]


@pytest.mark.parametrize(("kind", "text", "value"), POSITIVE, ids=[f"{k}-{i}" for i, (k, _, _) in
                                                                   enumerate(POSITIVE)])
def test_said_in_other_words(kind: str, text: str, value: Any) -> None:
    found = kinds(text)
    assert kind in found, found
    if value is not None:
        assert any(all(v.get(key) == item for key, item in value.items()) for v in found[kind] if v), found[kind]


NEGATIVE: list[tuple[str, str]] = [
    ("non-commercial", "You may use the Model for commercial and non-commercial purposes alike."),
    ("non-commercial", "The Model was trained for research purposes by our laboratory."),
    ("non-commercial", "THE MODEL IS PROVIDED AS IS, WITHOUT WARRANTY OF FITNESS FOR A PARTICULAR PURPOSE."),
    ("non-commercial", "You may not use our trademarks for commercial purposes."),
    ("non-commercial", "Your use is not limited to research purposes only."),
    ("non-commercial", '"Agreement" means this Non-Commercial License.\n\nYou may use the Model under the Agreement.'),
    ("user-threshold", "Our assistant already serves more than 100 million users worldwide."),
    ("revenue-threshold", "The company reported revenue of over $3 billion in its latest annual report."),
    ("registration", "You must notify us promptly of any security vulnerability you discover."),
    ("registration", "You may not use the Licensor's logo without prior written consent."),
    ("patent-termination", "Your patent license does not terminate if you bring a patent claim; it survives."),
    ("patent-grant", "No patent license is granted under this Agreement."),
    ("no-derivatives", "Redistribution in source form, with or without modification, is permitted."),
    ("no-derivatives", "You may not modify this License."),
    ("governing-law", "You must comply with the laws of your country when using the Model."),
    ("territory", "You may not use the Model in Connection with weapons."),
    ("share-alike", "You may license your modifications under any license of your choice."),
    ("output-restriction", "You own the outputs and there are no restrictions on their use."),
]


@pytest.mark.parametrize(("kind", "text"), NEGATIVE, ids=[f"{k}-{i}" for i, (k, _) in enumerate(NEGATIVE)])
def test_precision_traps(kind: str, text: str) -> None:
    assert kind not in kinds(text)


def test_subject_to_courts_is_not_the_law() -> None:
    text = ("This Agreement is governed by the laws of Switzerland. The parties submit to the exclusive "
            "jurisdiction of the courts of Zurich.")
    values = kinds(text)["governing-law"]
    assert [v["jurisdiction"] for v in values] == ["Switzerland"]


@pytest.mark.parametrize(("text", "number"), [
    ("twelve million (12,000,000)", 12000000), ("10.000.000", 10000000), ("10 000 000", 10000000),
    ("two hundred and fifty million", 250000000), ("2.5 bn", 2500000000), ("5mn", 5000000),
    ("seventeen thousand", 17000)])
def test_numbers_in_other_formats(text: str, number: int) -> None:
    assert parse_number(text) == number


def test_definitions_rewrite_only_using_sentences() -> None:
    text = '"Permitted Use" means research only.\n\nYou may copy the weights for the Permitted Use.'
    pieces = list(sentences(text))
    terms = Definitions.collect(pieces)
    assert terms.expand(pieces[0].normalized, 0) == pieces[0].normalized
    assert "non-commercial purposes" in terms.expand(pieces[1].normalized, 1)
    clause = next(c for c in engine().extract(text, "LICENSE") if c.kind == "non-commercial") \
        if "non-commercial" in kinds(text) else None
    assert clause is None or clause.quote in text


def test_list_item_reads_with_its_lead_in() -> None:
    text = "You agree that you will not:\n\n(a) use any generated content to train another model;\n"
    clause = next(c for c in engine().extract(text, "LICENSE") if c.kind == "output-restriction")
    assert clause.quote == "(a) use any generated content to train another model;" and clause.start_line == 3


def test_hostile_definitions_stay_fast() -> None:
    text = ('"A" means research only. ' + "the A " * 20000) + "\n" + ('"' + "x" * 5000 + '" means') * 50
    many = "".join(f'"Term{i}" means research purposes only.\n\n' for i in range(3000))
    for hostile in (text, many + "You may use Term1 here.\n\n" * 3000):
        started = time.monotonic()
        engine().extract(hostile, "LICENSE")
        assert time.monotonic() - started < 20


# -- batch 1 mechanisms (written for these tests; no corpus sentence) ---------------------------------------
MECHANISMS: list[tuple[str, str, Any]] = [
    # a defined revenue figure carries its period to where it is used
    ("revenue-threshold", '"Group Income" means the gross receipts of you and your affiliates during the preceding '
                          "financial year.\n\nThis licence lapses if your Group Income is more than CAD 40 million.",
     {"limit": 40000000, "currency": "CAD", "period": "annual"}),
    ("revenue-threshold", '"Relevant Sales" means all sales you book in any calendar month.\n\nA paid licence is '
                          "required if Relevant Sales exceed EUR 800,000.",
     {"limit": 800000, "currency": "EUR", "period": "monthly"}),
    # a defined attribution phrase, displayed in any voice
    ("attribution", '"Credit Line" means the words "Trained from Osprey".\n\nEvery app that ships the weights '
                    "must show the Credit Line on its about screen or in its documentation.",
     {"text": "Trained from Osprey"}),
    ("attribution", '"Required Notice" means the phrase "Osprey inside".\n\nThe Required Notice shall be '
                    "displayed in the settings page of your product.", {"text": "Osprey inside"}),
    ("attribution", 'Where the Model powers a service, the words "Runs on Osprey" must be shown clearly in its '
                    "user interface.", {"text": "Runs on Osprey"}),
    ("attribution", 'Distributors must display the tagline "Made with Osprey" wherever credits are listed.',
     {"text": "Made with Osprey"}),
    # naming far from "name", hyphenated prefixes
    ("naming", 'The name of every fine-tuned model you publish on a hub must start with "Osprey-".',
     {"prefix": "Osprey-"}),
    ("naming", "Model names of any derivative you release must begin with Osprey- followed by your own label.",
     {"prefix": "Osprey-"}),
    ("naming", 'Published variants must carry the prefix "osp-" in their names.', {"prefix": "osp-"}),
    # restriction pass-through in other words
    ("restriction-passthrough", "You shall oblige every party to whom you pass the weights to observe the "
                                "restrictions in Annex B.", None),
    ("restriction-passthrough", "The Licensee shall ensure that any entity that obtains a derivative from it is "
                                "bound by Clause 7.", None),
    ("restriction-passthrough", "You will incorporate the use restrictions as binding conditions in every "
                                "contract under which you supply the Model.", None),
    # patent grants and patent termination in other words
    ("patent-grant", "The Publisher licenses you under those of its patents that the weights would otherwise "
                     "infringe to make and sell products built with them.", None),
    ("patent-grant", "Osprey Labs grants each recipient a licence under Osprey Labs's patent claims covering the "
                     "Model.", None),
    ("patent-termination", "Should you start a lawsuit asserting that the Model infringes any patent, every licence "
                           "given to you here ends at once.", None),
    # registration as notification before use
    ("registration", "Ahead of its first production launch, each licensee must notify the Publisher by "
                     "e-mail.", None),
    ("registration", "You shall inform the Foundation in writing before your initial public release of any "
                     "service built on the Model.", None),
    # use restrictions as a list of prohibited activities, whoever the licensee is
    ("use-restrictions", "The Customer must not use the Model or its outputs:\n(a) to deceive voters;\n"
                         "(b) to stalk any person.", None),
    ("use-restrictions", "Prohibited activities include impersonating real people and generating malware.", None),
    ("use-restrictions", "Your use of the Model must always comply with the Responsible Use Rules, which are part "
                         "of this Agreement.", None),
    # territory after a list of verbs
    ("territory", "The Licensee may not run, host or sell the Model in, or ship it to, Cuba, Syria or Iran.",
     {"excluded": ["Cuba", "Syria", "Iran"]}),
    # no-derivatives in other words
    ("no-derivatives", "Fine-tuned versions may be used only within your organisation and must not be published.",
     None),
    ("no-derivatives", "Any modified weights you produce may not be shared or made publicly available.", None),
]


@pytest.mark.parametrize(("kind", "text", "value"), MECHANISMS, ids=[f"{k}-{i}" for i, (k, _, _) in
                                                                     enumerate(MECHANISMS)])
def test_batch1_mechanisms(kind: str, text: str, value: Any) -> None:
    found = kinds(text)
    assert kind in found, found
    if value is not None:
        assert any(all(v.get(key) == item for key, item in value.items()) for v in found[kind] if v), found[kind]


MECHANISM_TRAPS: list[tuple[str, str]] = [
    # optional registration is no registration
    ("registration", "Signing up on our portal is voluntary; you need not notify us before using the Model."),
    ("registration", "You may register your deployment with us to hear about new releases."),
    ("registration", "Nobody is required to register or to inform the Publisher prior to commercial use."),
    # a notice kept in copies is no attribution; a prohibition to display is no attribution
    ("attribution", 'You must not display "Certified by Osprey" on your website or in your product.'),
    ("attribution", '"Legal Notice" means the text "Copyright Osprey Labs".\n\nYou may not remove the Legal '
                    "Notice from any file."),
    # naming: a prohibition or a free choice
    ("naming", 'Names of derived models must not begin with "Osprey-".'),
    # pass-through: responsibility for contractors is no pass-through
    ("restriction-passthrough", "You may let contractors run the Model for you, provided you remain responsible "
                                "for their compliance with this Agreement."),
    # patents
    ("patent-grant", "No licence under any of the Publisher's patents is granted or implied by this Agreement."),
    # no-derivatives: share-alike and notice conditions are not a ban
    ("no-derivatives", "Derivatives may not be distributed under any other licence than this one."),
    ("no-derivatives", "Modified versions shall not be distributed without a copy of this License."),
    # territory: a capitalised word that is no place
    ("territory", "You shall not use, copy or deploy the Model in, or in connection with, Weapons programmes."),
]


@pytest.mark.parametrize(("kind", "text"), MECHANISM_TRAPS, ids=[f"{k}-{i}" for i, (k, _) in
                                                                 enumerate(MECHANISM_TRAPS)])
def test_batch1_precision_traps(kind: str, text: str) -> None:
    assert kind not in kinds(text), kinds(text)


# -- non-commercial: ways of limiting use that no dev text shows, and their traps ----------------------------
NON_COMMERCIAL: list[str] = [
    '"Permitted Purpose" means non-profit research and teaching.\n\nYou may use the Model solely for the '
    "Permitted Purpose.",
    '"Approved Activity" means evaluating the weights internally and writing academic papers about them, and no '
    "other use.\n\nThe Licensee may exercise the licence only for an Approved Activity.",
    "The checkpoints may be run solely for internal evaluation.",
    "You may use the weights only for internal evaluation and benchmarking.",
    "The Model may not be used to generate revenue.",
    "You shall not use the Software in any way that generates income or other commercial advantage.",
    "Licensee may use the Model solely for the purpose of assessing its suitability, and not for any production "
    "or commercial deployment.",
    "This licence covers hobby and personal projects only; it does not extend to any commercial offering.",
    "Use of the Model is restricted to non-commercial research.",
    "Use of the checkpoints is confined to non-profit teaching and study.",
    "Any use for commercial gain is excluded from this licence.",
    "You may study the Model for academic research, but not for any commercial purpose.",
    "You may not sell, rent or otherwise monetise the Model or its outputs.",
    "The rights granted here cover only uses that are not directed toward commercial advantage or monetary "
    "compensation.",
    "The weights are for research use by universities and may not be put into any paid product.",
]


@pytest.mark.parametrize("text", NON_COMMERCIAL, ids=[f"nc-{i}" for i in range(len(NON_COMMERCIAL))])
def test_non_commercial_in_other_words(text: str) -> None:
    assert "non-commercial" in kinds(text), kinds(text)


NON_COMMERCIAL_TRAPS: list[str] = [
    "You may use the Model for commercial and non-commercial purposes.",
    "Our team developed this model for research into low-resource translation.",
    "The Model was originally trained solely for research purposes at our lab; this licence now allows any use.",
    "Commercial use is permitted after registration on our website.",
    "Commercial use is permitted once you have completed the registration form.",
    "If your annual revenue exceeds $10 million, you need a commercial licence from us.",
    "Organisations with more than 1 million monthly active users must obtain a commercial license from us.",
    "You may not use the Model to generate revenue above USD 5 million a year without a commercial licence.",
    "The Model may be used for any purpose, including commercial purposes.",
    '"Internal Use" means use within your organisation, including for commercial purposes.\n\nYou may use the '
    "Model solely for Internal Use.",
    "Whether for research or for commercial products, you may deploy the Model freely.",
    "You may use the outputs for commercial purposes without restriction.",
    "Commercial use is allowed, provided that you comply with the use restrictions.",
    "We are a non-profit research lab; the Model is licensed to everyone for any use.",
    "Both commercial and research users may download the weights.",
    '"Research Use" means scientific work not primarily intended for commercial advantage.',
    "You may not monetise our trademarks or logos.",
]


@pytest.mark.parametrize("text", NON_COMMERCIAL_TRAPS, ids=[f"nc-trap-{i}" for i in range(len(NON_COMMERCIAL_TRAPS))])
def test_non_commercial_precision_traps(text: str) -> None:
    assert "non-commercial" not in kinds(text), kinds(text)


# Batch-2 mechanisms (paraphrases written here, not corpus sentences).
BATCH2: list[tuple[str, str, Any]] = [
    ("share-alike", "Every fine-tuned model that the Licensee publishes shall be released only under this "
                    "Licence.", None),
    ("restriction-passthrough", "The Licensee must notify each recipient that the use restrictions in Annex B "
                                "apply to them as well.", None),
    ("attribution", 'Operators must show the words "Made with Quartz" somewhere visible to end users.',
     {"text": "Made with Quartz"}),
    ("restriction-passthrough", "您应当在转授权协议中纳入本协议附件一的使用限制，并要求被许可人遵守。", None),
]


@pytest.mark.parametrize(("kind", "text", "value"), BATCH2, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(BATCH2)])
def test_batch2_mechanisms(kind: str, text: str, value: Any) -> None:
    found = kinds(text)
    assert kind in found, found
    if value is not None:
        assert any(all(v.get(key) == item for key, item in value.items()) for v in found[kind] if v), found[kind]


@pytest.mark.parametrize(("kind", "text"), [
    ("non-commercial", "您可以将本模型用于商业或非商业目的，无需另行取得我方授权。"),
    ("registration", "如贵方产品的月活跃用户超过五千万，贵方须向我方另行申请许可。"),
])
def test_batch2_precision_traps(kind: str, text: str) -> None:
    assert kind not in kinds(text)


# -- batch 3 mechanisms (written for these tests, in words no corpus text uses) ------------------------------
BATCH3: list[tuple[str, str, Any]] = [
    # a research-only grant with the purpose noun left out, and qualifiers joined by spaces
    ("non-commercial", "Acme grants the Recipient a licence to run the checkpoints for academic research only.", None),
    ("non-commercial", "These weights may be copied for non-profit research and education use only.", None),
    # what the grant is for, in the passive
    ("non-commercial", "The Checkpoints are provided to you free of charge for non-commercial use.", None),
    # a licence named by what it is
    ("non-commercial", "The trained parameters are released under a non-commercial license.", None),
    ("non-commercial", "Model weights: licensed under CC BY-NC-SA 4.0.", None),
    ("non-commercial", "The weights are distributed under the Creative Commons Attribution-NonCommercial 4.0 "
                       "International licence.", None),
    # the licensee's own use, listed
    ("non-commercial", "The Recipient may use the Model solely for its internal, non-commercial research.", None),
    # the grant says what it leaves out
    ("non-commercial", "This Licence does not permit any commercial use of the Weights.", None),
    # commercial use only after a separate licence, said with the adverb
    ("non-commercial", "Whoever wants to deploy the Weights commercially must first obtain a separate commercial "
                       "licence from Acme.", None),
    # a list of acts before the commercial setting
    ("non-commercial", "You may not sell, rent or bundle the Model as part of a commercial service.", None),
    # no-derivatives: short and older licence names, CC's own wording, lists, passive nouns, what the grant leaves out
    ("no-derivatives", "Checkpoints: CC BY-NC-ND 4.0.", None),
    ("no-derivatives", "This dataset card is under Creative Commons Attribution-NoDerivs 3.0.", None),
    ("no-derivatives", "You may copy and Share the Licensed Material, but not Share Adapted Material.", None),
    ("no-derivatives", "The Licensee shall not decompile, disassemble, alter, or fine-tune the Weights.", None),
    ("no-derivatives", "Adaptation of the Software is strictly prohibited.", None),
    ("no-derivatives", "This licence does not confer any right to prepare derivative works of the Model.", None),
    ("no-derivatives", "You may redistribute the Checkpoints only in their original, unaltered form.", None),
    # registration: an application asked of commercial users
    ("registration", "Commercial users shall submit the online application form before going live.", None),
    ("registration", "Businesses must apply to the Licensor for a commercial licence by email.", None),
    # territory: the grant withheld from people in a place
    ("territory", "This licence is not extended to residents of the United Kingdom.", {"excluded": ["United Kingdom"]}),
]


@pytest.mark.parametrize(("kind", "text", "value"), BATCH3, ids=[f"{k}-{i}" for i, (k, _, _) in enumerate(BATCH3)])
def test_batch3_mechanisms(kind: str, text: str, value: Any) -> None:
    found = kinds(text)
    assert kind in found, found
    if value is not None:
        assert any(all(v.get(key) == item for key, item in value.items()) for v in found[kind] if v), found[kind]


BATCH3_TRAPS: list[tuple[str, str]] = [
    # a ban for some purposes only leaves derivatives free otherwise
    ("no-derivatives", "You shall not copy, adapt, or fine-tune the Model for any military or unlawful purposes."),
    ("no-derivatives", "You may not copy, alter, or translate this License."),
    # a commercial licence needed only above a threshold is the threshold
    ("registration", "If your products exceed 50 million monthly active users, you must apply for a commercial "
                     "licence."),
    ("non-commercial", "The Model is released under a licence that permits commercial and non-commercial use."),
    # a disclaimer to be shown credits no one
    ("attribution", 'You must display "This app is not endorsed by Acme" on your website.'),
]


@pytest.mark.parametrize(("kind", "text"), BATCH3_TRAPS, ids=[f"{k}-{i}" for i, (k, _) in enumerate(BATCH3_TRAPS)])
def test_batch3_precision_traps(kind: str, text: str) -> None:
    assert kind not in kinds(text)


def test_commercial_grant_to_registered_users_undoes_research_only() -> None:
    """A registration gate is no non-commercial licence, even where another sentence says "research only"."""
    gate = ("Acme permits the Weights to be used solely for academic research. Parties who have registered on our "
            "portal are free to use them commercially without charge.")
    assert "non-commercial" not in kinds(gate)
    # the first sentence alone is research-only: the second one is what undoes it
    assert "non-commercial" in kinds(gate.split(". ")[0] + ".")
    # a commercial grant that is itself conditional does not undo anything
    assert "non-commercial" in kinds("Acme permits the Weights to be used solely for academic research. Registered "
                                     "users may not use them commercially unless Acme agrees in writing.")


# -- batch 4 mechanisms: numbered list markers, nested lead-ins, markdown emphasis, copies as the subject,
# imperatives, outputs kept out of trade, derivatives as the object of a ban, nothing to pass on

BATCH4_POSITIVE: list[tuple[str, str]] = [
    # an item of a numbered list reads with the numbered item that introduces it
    ("non-commercial", "3.  Licensees agree that they will not use:\n    1.  the checkpoints in connection with any\n"
                       "        commercial activities; or\n    2.  the checkpoints for surveillance.\n"),
    # single-asterisk emphasis does not split the words the rules read
    ("non-commercial", "The weights are *only* available for *non-commercial* use by universities.\n"),
    ("notice", "Each full copy of the weights shall be accompanied by this Licence.\n"),
    ("notice", "Please include the licence text with every copy you pass on.\n"),
    ("notice", "If you redistribute the files, you must retain this notice in every redistribution.\n"),
    ("use-restrictions", "5.2 Never deploy the Model to track individuals without their knowledge.\n"),
    ("output-restriction", "You may not resell, sublicense or otherwise monetise any generated images.\n"),
    ("no-derivatives", "You must not share, publish or host any fine-tuned version of the weights.\n"),
    ("no-derivatives", "The Licensee shall not release any Modification to the public.\n"),
]

BATCH4_TRAPS: list[tuple[str, str]] = [
    # a sibling item at the numbered lead-in's own level is not one of its items
    ("non-commercial", "1.  You must not use the weights as follows:\n    1.  to stalk people.\n"
                       "2.  The weights may be used in commercial products.\n"),
    # derivatives under this licence, in a licence with nothing to pass on
    ("restriction-passthrough", "Any modified version that you distribute must be released under this License, "
                                "and you must not impose further restrictions on the people who receive it.\n"),
    ("no-derivatives", "You may not publish any Modification unless you include this License with it.\n"),
    ("notice", "Every copy of the report must be accompanied by a cover letter.\n"),
    ("output-restriction", "You may sell, license or otherwise commercialise your outputs freely.\n"),
]


@pytest.mark.parametrize(("kind", "text"), BATCH4_POSITIVE,
                         ids=[f"{k}-{i}" for i, (k, _) in enumerate(BATCH4_POSITIVE)])
def test_batch4_mechanism_finds_the_clause(kind: str, text: str) -> None:
    assert kind in kinds(text), kinds(text)


@pytest.mark.parametrize(("kind", "text"), BATCH4_TRAPS,
                         ids=[f"{k}-{i}" for i, (k, _) in enumerate(BATCH4_TRAPS)])
def test_batch4_precision_trap(kind: str, text: str) -> None:
    assert kind not in kinds(text), kinds(text)


def test_numbered_marker_dot_ends_no_sentence_and_quote_keeps_it() -> None:
    text = "Rules:\n    1.  Do not use it for fraud.\n"
    pieces = [s.text for s in sentences(text)]
    assert pieces == ["Rules:", "1.  Do not use it for fraud."]
    numbered = [s.text for s in sentences("4.1 Keep it safe.\n4.2 Keep it dry.\n")]
    assert numbered == ["4.1 Keep it safe.", "4.2 Keep it dry."]


def test_passthrough_needs_something_to_pass_on() -> None:
    share = "Any modified version that you distribute must be released under this License.\n"
    assert "restriction-passthrough" not in kinds(share)
    assert "restriction-passthrough" in kinds(share + "You will not use the model for military purposes.\n")


@pytest.mark.parametrize("text", [
    "You may use the Model solely for activities which are not commercial.",
    "Deployment of the Model in any application that is sold to customers is not permitted.",
    "Incorporation of the weights into services offered in exchange for payment is prohibited.",
    "Licensee shall not run the Model for profit.",
    "You must not operate the checkpoints to earn money.",
])
def test_paid_use_said_without_the_word_commercial(text: str) -> None:
    assert "non-commercial" in kinds(text), text


@pytest.mark.parametrize("text", [
    "You may not sell the Model itself for a fee, but you may use it in your own products.",
    "Use of the Model in products or services offered for a fee is permitted.",
    "You may charge a fee for support services you offer around the Model.",
    "You may use the Model for purposes that are not commercial as well as for commercial ones.",
])
def test_paid_use_look_alikes_are_not_non_commercial(text: str) -> None:
    assert "non-commercial" not in kinds(text), text


@pytest.mark.parametrize("text", [
    "The training corpus was licensed for non-commercial research only, and the Model may be used commercially.",
    "The images came from a research-only collection; this restriction does not apply to the weights.",
])
def test_a_limit_on_something_else_beside_a_commercial_grant(text: str) -> None:
    assert "non-commercial" not in kinds(text), text


@pytest.mark.parametrize("text", [
    "用户不得利用本模型实施违法行为，例如以牟利为目的的欺诈。",
    "训练数据仅供非商业研究使用，本模型则可以商业使用。",
])
def test_zh_profit_as_a_crimes_motive_and_a_limit_on_training_data(text: str) -> None:
    assert "non-commercial" not in kinds(text), text


@pytest.mark.parametrize("text", [
    "本模型仅供非商业研究使用，不得用于商业目的。",
    "您不得以营利为目的使用本模型。",
])
def test_zh_non_commercial_still_read(text: str) -> None:
    assert "non-commercial" in kinds(text), text


@pytest.mark.parametrize("text", [
    "We license the checkpoints to you for your own non-commercial experimentation.",
    "Authorized Use means academic study at a university.",
    "The weights are offered for research use; for other uses, please write to the authors.",
    "The Model is not available for use by commercial enterprises.",
    "You shall not use the outputs as part of your business.",
    "Serving the Model to paying users requires a separate commercial licence.",
    "严禁对本模型进行商业化。",
    "将本模型用于盈利，应当事先取得许可方的书面同意。",
])
def test_non_commercial_said_as_who_what_and_for_whom(text: str) -> None:
    assert "non-commercial" in kinds(text), text


@pytest.mark.parametrize("text", [
    "Above 700 million monthly users, use requires a commercial license from Meta.",
    "Authorized Use means any lawful use, commercial or non-commercial.",
    "The Model is available for use by commercial and non-commercial organisations alike.",
])
def test_non_commercial_look_alikes_of_who_and_what(text: str) -> None:
    assert "non-commercial" not in kinds(text), text
