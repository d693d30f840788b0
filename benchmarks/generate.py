#!/usr/bin/env python3
"""Write a synthetic registry (real YAML format) and, optionally, a loaded database with history.

    python benchmarks/generate.py --items 10000 --agencies 100 --updates-per-item 10 \
        --seed 1 --out /tmp/bench/10k --db /tmp/bench/10k.db

1. Writes DIR/tasks.yaml (with a ``plan:`` header like data/tasks.yaml), DIR/outcomes.yaml and
   DIR/agencies.yaml: N items (60 % tasks, 40 % outcomes), M agencies with realistic names, kinds
   and aliases (simplified short name, traditional forms, full name), 1-4 agencies per item
   (the first leads; a few items name the group 各设区市人民政府), due dates spread around the
   reference as-of date, each ``due`` agreeing with its ``due_text``.
2. With ``--db``: runs ``tasklist load DIR`` into a fresh database at that path (the real loader,
   the same one the benchmark times), then appends on average K status updates per item straight
   into ``status_update`` through the library's connection, in one transaction (executemany in
   chunks). Status updates cannot be written in YAML, and going through ``tasklist update`` a
   million times would take hours.

Everything is derived from ``--seed`` (and the as-of date): the same arguments give the same
files and the same rows (only ``plan.loaded_at``/``load_log`` timestamps differ).
"""

from __future__ import annotations

import argparse
import calendar
import json
import os
import random
import subprocess
import sys
import time
from datetime import date, timedelta
from pathlib import Path

DEFAULT_AS_OF = "2025-09-15"

# --------------------------------------------------------------------------- agencies

# (short name, full name, kind). Real units of a Chinese provincial government (Fujian).
_DEPARTMENTS = [
    ("省发改委", "福建省发展和改革委员会"), ("省工信厅", "福建省工业和信息化厅"), ("省科技厅", "福建省科学技术厅"),
    ("省数字办", "福建省数字福建建设领导小组办公室"), ("省教育厅", "福建省教育厅"), ("省财政厅", "福建省财政厅"),
    ("省商务厅", "福建省商务厅"), ("省农业农村厅", "福建省农业农村厅"), ("省交通运输厅", "福建省交通运输厅"),
    ("省卫健委", "福建省卫生健康委员会"), ("省住建厅", "福建省住房和城乡建设厅"), ("省自然资源厅", "福建省自然资源厅"),
    ("省生态环境厅", "福建省生态环境厅"), ("省水利厅", "福建省水利厅"), ("省文旅厅", "福建省文化和旅游厅"),
    ("省人社厅", "福建省人力资源和社会保障厅"), ("省民政厅", "福建省民政厅"), ("省公安厅", "福建省公安厅"),
    ("省司法厅", "福建省司法厅"), ("省市场监管局", "福建省市场监督管理局"), ("省广电局", "福建省广播电视局"),
    ("省应急厅", "福建省应急管理厅"), ("省审计厅", "福建省审计厅"), ("省国资委", "福建省人民政府国有资产监督管理委员会"),
    ("省统计局", "福建省统计局"), ("省医保局", "福建省医疗保障局"), ("省林业局", "福建省林业局"),
    ("省海洋渔业局", "福建省海洋与渔业局"), ("省粮储局", "福建省粮食和物资储备局"), ("省药监局", "福建省药品监督管理局"),
    ("省知识产权局", "福建省知识产权局"), ("省地方金融监管局", "福建省地方金融监督管理局"), ("省体育局", "福建省体育局"),
    ("省外办", "福建省人民政府外事办公室"), ("省台港澳办", "福建省人民政府台港澳事务办公室"),
    ("省退役军人厅", "福建省退役军人事务厅"), ("省乡村振兴局", "福建省乡村振兴局"), ("省机关事务管理局", "福建省机关事务管理局"),
    ("省信访局", "福建省信访局"), ("省文物局", "福建省文物局"), ("省人防办", "福建省人民防空办公室"),
    ("省民族宗教厅", "福建省民族与宗教事务厅"), ("省数据管理局", "福建省数据管理局"), ("省监狱管理局", "福建省监狱管理局"),
]
_PARTY = [
    ("省委网信办", "中共福建省委网络安全和信息化委员会办公室"), ("省委宣传部", "中共福建省委宣传部"),
    ("省委组织部", "中共福建省委组织部"), ("省委编办", "中共福建省委机构编制委员会办公室"),
    ("省委政法委", "中共福建省委政法委员会"), ("省委统战部", "中共福建省委统一战线工作部"),
]
_CENTRAL = [
    ("省通信管理局", "福建省通信管理局"), ("省税务局", "国家税务总局福建省税务局"), ("福州海关", "中华人民共和国福州海关"),
    ("厦门海关", "中华人民共和国厦门海关"), ("福建海事局", "中华人民共和国福建海事局"), ("省气象局", "福建省气象局"),
    ("省邮政管理局", "福建省邮政管理局"), ("福建金融监管局", "国家金融监督管理总局福建监管局"),
    ("福建证监局", "中国证券监督管理委员会福建监管局"), ("国家统计局福建调查总队", "国家统计局福建调查总队"),
]
_BANKS = [("人行福州中心支行", "中国人民银行福州中心支行"), ("人行厦门市中心支行", "中国人民银行厦门市中心支行")]
_CITIES = ["福州", "厦门", "漳州", "泉州", "三明", "莆田", "南平", "龙岩", "宁德"]
_COMMITTEES = [
    ("平潭综合实验区管委会", "福建省平潭综合实验区管理委员会"), ("福州新区管委会", "福州新区管理委员会"),
    ("厦门自贸片区管委会", "中国(福建)自由贸易试验区厦门片区管理委员会"), ("福州高新区管委会", "福州高新技术产业开发区管理委员会"),
    ("古雷开发区管委会", "漳州古雷港经济开发区管理委员会"),
]
_COUNTIES = [
    "福清市", "长乐区", "闽侯县", "连江县", "罗源县", "闽清县", "永泰县", "晋江市", "石狮市", "南安市", "惠安县", "安溪县",
    "永春县", "德化县", "龙海区", "漳浦县", "云霄县", "诏安县", "东山县", "长泰区", "平和县", "南靖县", "华安县", "仙游县",
    "永安市", "沙县区", "尤溪县", "大田县", "建瓯市", "武夷山市", "邵武市", "建阳区", "浦城县", "长汀县", "上杭县", "永定区",
    "漳平市", "连城县", "福安市", "福鼎市", "霞浦县", "古田县", "屏南县", "寿宁县", "周宁县", "柘荣县", "同安区", "翔安区",
]
_COUNTY_CITY = {  # which 设区市 each county-level unit belongs to (for the full name)
    **{c: "福州市" for c in ["福清市", "长乐区", "闽侯县", "连江县", "罗源县", "闽清县", "永泰县"]},
    **{c: "泉州市" for c in ["晋江市", "石狮市", "南安市", "惠安县", "安溪县", "永春县", "德化县"]},
    **{c: "漳州市" for c in ["龙海区", "漳浦县", "云霄县", "诏安县", "东山县", "长泰区", "平和县", "南靖县", "华安县"]},
    "仙游县": "莆田市",
    **{c: "三明市" for c in ["永安市", "沙县区", "尤溪县", "大田县"]},
    **{c: "南平市" for c in ["建瓯市", "武夷山市", "邵武市", "建阳区", "浦城县"]},
    **{c: "龙岩市" for c in ["长汀县", "上杭县", "永定区", "漳平市", "连城县"]},
    **{c: "宁德市" for c in ["福安市", "福鼎市", "霞浦县", "古田县", "屏南县", "寿宁县", "周宁县", "柘荣县"]},
    **{c: "厦门市" for c in ["同安区", "翔安区"]},
}
_WORK_GROUPS = ["数字经济", "数据要素", "新基建", "智能制造", "数字乡村", "智慧城市", "数字政府", "平台经济", "算力网络", "网络安全"]

# Simplified -> traditional for the characters in the names above (aliases, as in data/agencies.yaml).
_TRAD = dict(zip(
    "发厅门计话业务农财资环运输卫应审办国场监广电视体统医机关访渔粮储药识产权数据乡兴狱网传组织编战讯税总邮银证气华厦龙宁综实验区会员济开县长乐晋狮闽联际东阳云汀杭鼎浦宁寿荣泽宾书设创兰两罗沙邵汉门众厂杂储鉴测军与络构线调队术经专领导学态贸试护养报馆",
    "發廳門計話業務農財資環運輸衛應審辦國場監廣電視體統醫機關訪漁糧儲藥識產權數據鄉興獄網傳組織編戰訊稅總郵銀證氣華廈龍寧綜實驗區會員濟開縣長樂晉獅閩聯際東陽雲汀杭鼎浦寧壽榮澤賓書設創蘭兩羅沙邵漢門眾廠雜儲鑒測軍與絡構線調隊術經專領導學態貿試護養報館",
))


def _trad(text: str) -> str:
    return "".join(_TRAD.get(ch, ch) for ch in text)


def make_agencies(m: int) -> list[dict]:
    """``m`` agencies: departments first, then the cities (and their group), party offices, central
    units, banks, committees, county governments, and numbered work groups if more are asked."""
    if m < 1:
        raise SystemExit("--agencies must be at least 1")
    pool: list[dict] = []
    pool += [dict(name=n, full_name=f, kind="provincial_department") for n, f in _DEPARTMENTS[:20]]
    pool += [dict(name=f"{c}市人民政府", full_name=f"{c}市人民政府", kind="city_government") for c in _CITIES]
    pool += [dict(name="各设区市人民政府", full_name="福建省各设区市人民政府", kind="group",
                  members=[f"{c}市人民政府" for c in _CITIES])]
    pool += [dict(name=n, full_name=f, kind="provincial_department") for n, f in _DEPARTMENTS[20:]]
    pool += [dict(name=n, full_name=f, kind="provincial_party_office") for n, f in _PARTY]
    pool += [dict(name=n, full_name=f, kind="central_vertical_agency") for n, f in _CENTRAL]
    pool += [dict(name=n, full_name=f, kind="central_bank_branch") for n, f in _BANKS]
    pool += [dict(name=n, full_name=f, kind="administrative_committee") for n, f in _COMMITTEES]
    pool += [dict(name="省直有关部门", full_name="福建省直有关部门", kind="group", members=[])]
    pool += [dict(name=f"{c}人民政府", full_name=f"{_COUNTY_CITY[c]}{c}人民政府", kind="other") for c in _COUNTIES]
    n = 1
    while len(pool) < m:
        topic = _WORK_GROUPS[(n - 1) % len(_WORK_GROUPS)]
        batch = (n - 1) // len(_WORK_GROUPS) + 1
        pool.append(dict(name=f"省{topic}工作专班{batch}", full_name=f"福建省{topic}工作专班(第{batch}组)", kind="other"))
        n += 1
    if m < 30:  # a small registry still gets some city governments, not departments only
        cities = [a for a in pool if a["kind"] == "city_government"][: m // 3]
        chosen = [a for a in pool if a["kind"] == "provincial_department"][: m - len(cities)] + cities
    else:
        chosen = pool[:m]
    names = {a["name"] for a in chosen}
    # A group keeps only members that were chosen; a group whose members were all cut is dropped
    # unless it never had members (省直有关部门).
    out = []
    for a in chosen:
        if a["kind"] == "group" and a["members"]:
            a["members"] = [x for x in a["members"] if x in names]
            if not a["members"]:
                continue
        out.append(a)
    taken = {a["name"] for a in out}
    for a in out:
        candidates = []
        name, full = a["name"], a["full_name"]
        if name.startswith("省") and not name.startswith("省委"):
            candidates.append(name[1:])
        if name.endswith("市人民政府"):
            candidates.append(name.replace("人民政府", "政府"))
        for c in list(candidates):
            candidates.append(_trad(c))
        candidates += [_trad(name), full, _trad(full)]
        aliases = []
        for c in candidates:
            if c and c not in taken:
                taken.add(c)
                aliases.append(c)
        a["aliases"] = aliases
    return out


# --------------------------------------------------------------------------- items

_TASK_SECTIONS = [
    "一、加快提升数字产业化,培育新产业新业态新模式",
    "二、加快推进产业数字化,赋能实体经济转型升级",
    "三、加快推进数字化治理,提升治理体系和治理能力现代化水平",
    "四、加快培育数据要素市场,激发数据要素活力",
    "五、加快新型基础设施建设,夯实数字经济发展基础",
    "六、强化组织实施和要素保障",
]
_OUTCOME_CATEGORIES = ["一、法规规章", "二、政策措施", "三、标准规范", "四、平台载体", "五、重大项目", "六、试点示范"]
_FIELDS = [
    "数字农业", "智能制造", "工业互联网", "智慧海洋", "数字文旅", "智慧医疗", "智慧教育", "数字政府", "公共数据开放",
    "数据要素市场", "5G网络", "算力基础设施", "区块链", "人工智能", "卫星应用", "集成电路", "新型显示", "跨境电商",
    "智慧交通", "智慧水利", "数字乡村", "智慧城市", "网络安全", "数字金融", "智慧应急", "智慧物流", "智慧社区",
    "智慧养老", "数字孪生流域", "车联网", "物联网", "北斗导航", "软件和信息技术服务业", "数字内容", "电子商务",
    "智慧园区", "数字港口", "智慧林业", "生态环境监测", "政务服务“一网通办”", "社会治理“一网统管”", "数字人民币",
]
_TASK_VERBS = ["加快推进", "大力发展", "深入实施", "积极培育", "统筹布局", "全面提升", "持续深化", "着力打造", "稳步推进",
               "探索建立", "健全完善", "创新发展", "加强", "推动", "提升"]
_TASK_OBJECTS = ["建设", "应用", "产业发展", "创新平台建设", "示范工程", "标准体系", "服务能力", "监管体系", "试点示范",
                 "专项行动", "融合发展", "公共服务平台", "产业集群", "人才队伍建设", "场景开放"]
_OUTCOME_DOCS = ["发展规划", "若干措施", "实施方案", "管理办法", "行动计划", "三年行动方案", "实施意见", "工作指引",
                 "评价指标体系", "地方标准"]
_CONTENT_SENTENCES = [
    "建设一批{f}应用场景,形成可复制可推广的经验做法。", "实施{f}提升工程,推动重点企业数字化改造。",
    "编制{f}产业图谱,制定重点招商目录。", "培育一批{f}龙头企业和专精特新企业。",
    "完善{f}标准规范和安全保障体系。", "争取国家{f}试点示范落地{c}。", "推进{f}与实体经济深度融合。",
    "建立{f}统计监测和评估机制,定期通报进展。", "统筹省级专项资金支持{f}重大项目建设。",
    "在{c}等地开展{f}先行先试。", "到期末建成{n}个省级{f}示范点。",
]


def _due(rng: random.Random, as_of: date) -> tuple[date | None, str]:
    """(due, due_text) agreeing with each other: a year, a month, or ongoing."""
    r = rng.random()
    if r < 0.15:
        return None, rng.choice(["持续推进", "持续推进", "持续推进", "长期坚持"])
    # spread from about four years before the as-of date to two years after it
    day = as_of + timedelta(days=rng.randint(-4 * 365, 2 * 365))
    if r < 0.50:
        return date(day.year, 12, 31), f"{day.year}年{rng.choice(['', '', '前', '底'])}"
    last = calendar.monthrange(day.year, day.month)[1]
    return date(day.year, day.month, last), f"{day.year}年{day.month}月{rng.choice(['', '', '底', '前'])}"


def make_items(n: int, agencies: list[dict], rng: random.Random, as_of: date) -> tuple[list[dict], list[dict]]:
    plain = [a["name"] for a in agencies if a["kind"] != "group"]
    groups = [a["name"] for a in agencies if a["kind"] == "group"]
    # Leads are skewed: the first departments (发改委, 工信厅, ...) lead far more items than a county.
    lead_weights = [1.0 / (i + 3) ** 0.8 for i in range(len(plain))]
    cities = [f"{c}市" for c in _CITIES]
    n_tasks = max(1, round(n * 0.6)) if n > 1 else 1
    tasks, outcomes = [], []
    for k in range(n):
        is_task = k < n_tasks
        f = rng.choice(_FIELDS)
        if is_task:
            obj = rng.choice(_TASK_OBJECTS)
            while f.endswith(obj[:2]) or f.endswith(obj[-2:]):
                obj = rng.choice(_TASK_OBJECTS)
            title = f"{rng.choice(_TASK_VERBS)}{f}{obj}"
        else:
            roll = rng.random()
            if roll < 0.5:
                title = f"福建省{f}{rng.choice(_OUTCOME_DOCS)}"
            elif roll < 0.8:
                title = f"建成{f}{rng.choice(['公共服务平台', '大数据中心', '创新中心', '综合管理平台', '产业园'])}"
            else:
                title = f"创建{rng.randint(3, 30)}个省级{f}示范{rng.choice(['区', '基地', '项目', '园区'])}"
        count = min(len(plain), rng.choices([1, 2, 3, 4], weights=[30, 35, 20, 15])[0])
        lead = rng.choices(plain, weights=lead_weights)[0]
        names = [lead]
        while len(names) < count:
            other = rng.choice(plain)
            if other not in names:
                names.append(other)
        if groups and rng.random() < 0.03:  # the annex's collective names, sometimes leading
            g = rng.choice(groups)
            if rng.random() < 0.3:
                names.insert(0, g)
            else:
                names.append(g)
        due, due_text = _due(rng, as_of)
        content = None
        if rng.random() < 0.5:
            content = "".join(
                s.format(f=f, c=rng.choice(cities), n=rng.randint(5, 50))
                for s in rng.sample(_CONTENT_SENTENCES, rng.randint(2, 3))
            )
        entry = dict(title=title, agencies=names, due=due, due_text=due_text, content=content)
        if is_task:
            entry.update(id=f"T{len(tasks) + 1}", seq=len(tasks) + 1,
                         section=_TASK_SECTIONS[min(len(_TASK_SECTIONS) - 1, len(tasks) * len(_TASK_SECTIONS) // n_tasks)])
            tasks.append(entry)
        else:
            n_out = n - n_tasks
            entry.update(id=f"O{len(outcomes) + 1}", seq=len(outcomes) + 1,
                         category=_OUTCOME_CATEGORIES[min(len(_OUTCOME_CATEGORIES) - 1,
                                                          len(outcomes) * len(_OUTCOME_CATEGORIES) // max(1, n_out))])
            outcomes.append(entry)
    return tasks, outcomes


# --------------------------------------------------------------------------- YAML writing

_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")


def _s(text: str, *, flow: bool = False) -> str:
    """A YAML scalar for text: plain when YAML reads it back as the same string, else double-quoted
    (a JSON string is a valid YAML double-quoted scalar)."""
    plain = (
        text == text.strip() and text and text[0] not in _INDICATORS and ": " not in text and " #" not in text
        and not text.endswith(":") and "\n" not in text and not (flow and any(c in text for c in ",[]{}"))
        and _resolves_to_str(text)
    )
    return text if plain else json.dumps(text, ensure_ascii=False)


_RESOLVED: dict[str, bool] = {}


def _resolves_to_str(text: str) -> bool:
    """False if YAML would read the plain text as a number, date, bool or null (e.g. 2024, no, null)."""
    if text[0] not in "0123456789+-.~nNyYtTfFoO":
        return True
    hit = _RESOLVED.get(text)
    if hit is None:
        import yaml

        tag = yaml.resolver.Resolver().resolve(yaml.ScalarNode, text, (True, False))
        hit = _RESOLVED[text] = tag == "tag:yaml.org,2002:str"
    return hit


def _flow(values: list[str]) -> str:
    return "[" + ", ".join(_s(v, flow=True) for v in values) + "]"


def write_registry(out: Path, agencies: list[dict], tasks: list[dict], outcomes: list[dict], *, seed: int, as_of: date) -> None:
    out.mkdir(parents=True, exist_ok=True)
    n = len(tasks) + len(outcomes)
    issued = date(as_of.year - 4, 3, 3)
    lines = [
        f"# 合成基准数据 附件1 任务清单 ({len(tasks)}项). benchmarks/generate.py --items {n} --agencies {len(agencies)} --seed {seed}",
        "plan:",
        f"  id: bench-{n}-s{seed}",
        "  title: 国家数字经济创新发展试验区(福建)工作方案(合成基准数据)",
        f"  doc_no: 闽政〔{issued.year}〕{seed}号",
        f"  issued: {issued.isoformat()}",
        "  issuer: 福建省人民政府",
        "  timezone: Asia/Shanghai",
        "  reporting: {cadence: quarterly}",
        "tasks:",
    ]
    for t in tasks:
        lines += _item_lines(t, "section")
    (out / "tasks.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = [f"# 合成基准数据 附件2 成果清单 ({len(outcomes)}项)", "outcomes:" if outcomes else "outcomes: []"]
    for o in outcomes:
        lines += _item_lines(o, "category")
    (out / "outcomes.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    lines = ["# 合成基准数据 责任单位", "agencies:"]
    for a in agencies:
        lines += [f"  - name: {_s(a['name'])}", f"    full_name: {_s(a['full_name'])}", f"    kind: {a['kind']}"]
        if a["aliases"]:
            lines.append(f"    aliases: {_flow(a['aliases'])}")
        if a["kind"] == "group":
            lines.append(f"    members: {_flow(a['members'])}")
    (out / "agencies.yaml").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _item_lines(e: dict, group_field: str) -> list[str]:
    lines = [f"  - id: {e['id']}", f"    seq: {e['seq']}", f"    {group_field}: {_s(e[group_field])}", f"    title: {_s(e['title'])}"]
    if e["content"]:
        lines.append(f"    content: {_s(e['content'])}")
    lines += [
        f"    agencies: {_flow(e['agencies'])}",
        f"    due: {e['due'].isoformat() if e['due'] else 'null'}",
        f"    due_text: {_s(e['due_text'])}",
    ]
    return lines


# --------------------------------------------------------------------------- status updates

_PEOPLE = ["张敏", "王磊", "李娜", "刘洋", "陈静", "林峰", "黄丽", "吴强", "郑伟", "许婷", "杨帆", "周杰", "蔡晓燕", "何军",
           "罗晨", "谢文", "高阳", "叶青", "方圆", "曾晓东"]
_NOTES = {
    "not_started": ["正在开展前期调研", "已列入年度工作计划", "待省级专项资金下达后启动", "牵头单位正在研究制定实施方案",
                    "已召开专题协调会,明确责任分工", None],
    "in_progress": ["已印发实施方案,正在组织推进", "已完成项目招标,进入建设阶段", "已完成总工程量的{p}%",
                    "年度计划投资{n}亿元,已完成{m}亿元", "已建成{n}个示范点,正在总结推广", "已召开专题推进会{n}次",
                    "平台一期已上线试运行", "标准草案已完成征求意见", "已争取中央预算内资金{n}千万元", None],
    "blocked": ["受用地指标制约,进度滞后", "资金尚未到位,项目暂缓", "涉及跨部门数据共享,协调中", "上位政策调整,待国家部委明确",
                "招标流标,重新组织采购"],
    "done": ["已按期完成", "已印发实施", "已通过验收并投入使用", "已完成年度目标任务", "成果已报省政府备案", None],
}


def _note(rng: random.Random, status: str, progress: int | None) -> str | None:
    text = rng.choice(_NOTES[status])
    if text is None:
        return None
    n = rng.randint(2, 30)
    return text.format(p=progress or rng.randint(10, 90), n=n, m=round(n * rng.uniform(0.2, 0.9), 1))


def make_updates(rows: list[tuple[int, int, str | None]], k: float, rng: random.Random, as_of: date, issued: date) -> list[tuple]:
    """Status updates for assignments ``(assignment_id, item_id, due)``, grouped by item in order.

    Each item gets about 0..2K updates (mean K) spread over its assignments, oldest first, with a
    plausible story: started, progress climbing, maybe blocked, and for some items every part done.
    """
    by_item: dict[int, list[int]] = {}
    dues: dict[int, str | None] = {}
    for aid, item_id, due in rows:
        by_item.setdefault(item_id, []).append(aid)
        dues[item_id] = due
    start = issued.toordinal()
    end = as_of.toordinal()
    out: list[tuple] = []
    for item_id, aids in by_item.items():
        due = dues[item_id]
        past = due is not None and due < as_of.isoformat()
        item_done = rng.random() < (0.45 if past else 0.12)
        total = rng.randint(0, int(2 * k)) if k > 0 else 0
        counts = [0] * len(aids)
        if item_done:
            if total < len(aids):
                total = len(aids)
            counts = [1] * len(aids)
            total -= len(aids)
        for _ in range(total):
            counts[rng.randrange(len(aids))] += 1
        for aid, c in zip(aids, counts):
            if c == 0:
                continue
            days = sorted(rng.randint(start, end) for _ in range(c))
            final = "done" if item_done else rng.choices(["in_progress", "done", "blocked", "not_started"], [70, 12, 10, 8])[0]
            progress = 0
            for j, day in enumerate(days):
                last = j == c - 1
                if last:
                    status = final
                elif j == 0 and rng.random() < 0.3:
                    status = "not_started"
                else:
                    status = "blocked" if rng.random() < 0.05 else "in_progress"
                if status == "done":
                    progress = 100
                elif status == "in_progress":
                    progress = min(95, progress + rng.randint(5, 25))
                p = progress if status in ("in_progress", "done") else None
                # recorded during Beijing office hours on the day reported (UTC 01:00-09:59)
                stamp = (f"{date.fromordinal(day).isoformat()}T{rng.randint(1, 9):02d}:{rng.randint(0, 59):02d}:"
                         f"{rng.randint(0, 59):02d}.{rng.randint(0, 999999):06d}+00:00")
                out.append((aid, status, p, _note(rng, status, p), date.fromordinal(day).isoformat(), stamp,
                            rng.choice(_PEOPLE), "bench", None, None))
    return out


def insert_updates(db: Path, k: float, seed: int, as_of: date, *, chunk: int = 50_000) -> int:
    from tasklist.storage.schema import open_db

    conn = open_db(f"sqlite:///{db}")
    try:
        plan_id, issued = conn.one("SELECT id, issued FROM plan ORDER BY loaded_at DESC LIMIT 1")
        rows = conn.all(
            "SELECT a.id, a.item_id, i.due FROM assignment a JOIN item i ON i.id = a.item_id "
            "WHERE i.plan_id = ? AND a.archived = 0 ORDER BY a.item_id, a.position",
            (plan_id,),
        )
        updates = make_updates(rows, k, random.Random(seed * 7919 + 1), as_of, date.fromisoformat(issued))
        sql = ("INSERT INTO status_update (assignment_id, status, progress, note, reported_on, recorded_at, recorded_by, "
               "source, batch, reverses_id) VALUES (?,?,?,?,?,?,?,?,?,?)")
        with conn.transaction():
            for i in range(0, len(updates), chunk):
                conn.executemany(sql, updates[i:i + chunk])
        conn.raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return len(updates)
    finally:
        conn.close()


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--items", type=int, required=True, help="number of items (tasks + outcomes)")
    ap.add_argument("--agencies", type=int, default=100, help="number of agencies (default 100)")
    ap.add_argument("--updates-per-item", type=float, default=10, help="average status updates per item (default 10)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--as-of", default=DEFAULT_AS_OF, help=f"reference date (default {DEFAULT_AS_OF}); "
                    "due dates spread around it, every update is reported on or before it")
    ap.add_argument("--out", required=True, type=Path, help="directory for tasks.yaml, outcomes.yaml, agencies.yaml")
    ap.add_argument("--db", type=Path, help="also load the registry into this (new) SQLite file and add the updates")
    ap.add_argument("--force", action="store_true", help="replace an existing --db file")
    args = ap.parse_args(argv)
    as_of = date.fromisoformat(args.as_of)
    if args.items < 1:
        ap.error("--items must be at least 1")

    t0 = time.perf_counter()
    rng = random.Random(args.seed)
    agencies = make_agencies(args.agencies)
    tasks, outcomes = make_items(args.items, agencies, rng, as_of)
    write_registry(args.out, agencies, tasks, outcomes, seed=args.seed, as_of=as_of)
    print(f"registry: {args.out} ({len(tasks)} tasks, {len(outcomes)} outcomes, {len(agencies)} agencies) "
          f"in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    if args.db is None:
        return 0

    db = args.db.resolve()
    if db.exists() or Path(f"{db}-wal").exists():
        if not args.force:
            ap.error(f"{db} exists (use --force to replace it)")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{db}{suffix}").unlink(missing_ok=True)
    db.parent.mkdir(parents=True, exist_ok=True)
    t1 = time.perf_counter()
    env = dict(os.environ, TASKLIST_DB=str(db))
    # cwd away from any checkout: `python -m` puts the current directory first on sys.path
    done = subprocess.run([sys.executable, "-m", "tasklist", "load", str(args.out.resolve()), "--json"], env=env,
                          cwd=db.parent, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if done.returncode != 0:
        sys.stderr.write(done.stderr[-5000:])
        print(f"error: tasklist load failed (exit {done.returncode})", file=sys.stderr)
        return 1
    print(f"loaded: {db} in {time.perf_counter() - t1:.1f} s (tasklist load)", file=sys.stderr)
    t2 = time.perf_counter()
    count = insert_updates(db, args.updates_per_item, args.seed, as_of)
    print(f"updates: {count} rows in {time.perf_counter() - t2:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
