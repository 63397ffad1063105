"""A deterministic demo of a city's administrative power (行政权力电子监察演示数据).

`build_demo` is pure: from a working calendar, the current instant and a seed it builds one city
with three counties, about twenty departments, about sixty power items of every type and a stream
of cases with their step events as departmental systems would send them. Nothing is read or
written and neither the global random generator nor the clock is used, so the same arguments give
the same data.

The cases are received over the 90 days before `now`, in working hours on working days. They are
planned whole and then cut at `now`, so the most recent ones are still open. The mix, by plan:

* on time (78.5 %): done within the promised limit, a few past it but within the legal limit, some
  with a legal rollback (审核退回承办, 法制审核退回补充调查: the step that sends the case back
  examines it first, then returns it); the ones on an item with a fee record the standard fee
  charged (`fee_charged`) when they complete;
* late (8 %): done after the legal due date; the recent ones are still open, some already overdue;
* irregular (5 %): a required step skipped, a rollback the process does not allow, an actor in a
  post not allowed at the step, or a decision without `legal_basis`;
* suspended (5 %): suspend (or request-supplement) … resume, some still suspended at `now`;
* rejected (2 %): rejected at acceptance (不予受理) or at approval (不予许可);
* a few faults the supervisor's other rules are for, each in tens of cases:
  - discretion (0.4 %): a penalty whose fine lies outside the benchmark of the circumstance it
    names (超出裁量基准); every other penalty decision is fined within its benchmark;
  - overcharge (0.25 %): a fee item charging more than its standard fee (超标准、重复收费);
  - deposit (0.25 %): a free item asking a deposit at acceptance (违规收取押金);
  - unknown_step (0.3 %): a step 预审 (`pre-review`) that the item's process does not define;
  - same_instant (0.3 %): every step typed in within one minute (虚拟运行).

`DemoData.kinds` tells which of these each case was planned as; a case cut at `now` may not have
reached the event that shows its kind yet.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import accumulate
from typing import Any, TypeVar

from jiancha.domain.catalogue import (
    DiscretionBenchmark,
    Fee,
    ItemType,
    PowerItem,
    ProcessDefinition,
    Step,
    Transition,
    TransitionKind,
)
from jiancha.domain.clock.calendar import WorkCalendar
from jiancha.domain.events import Applicant, CaseIn
from jiancha.domain.timeutil import LOCAL, to_utc

__all__ = ["DemoData", "build_demo", "id_check_digit"]

_V = TypeVar("_V")

DAYS_BACK = 90
CITY = ("330900", "示范市")
COUNTIES = (("330902", "东湖区"), ("330903", "西山区"), ("330921", "青溪县"))

# Working hours 09:00–12:00 and 13:30–17:30, counted as "working seconds" of a day.
_MORNING = 3 * 3600
_WORK_SECONDS = _MORNING + 4 * 3600


@dataclass(frozen=True)
class DemoData:
    regions: list[dict[str, str | None]]
    departments: list[dict[str, str]]
    items: list[PowerItem]
    cases: list[CaseIn]
    events: list[dict[str, Any]]
    kinds: dict[str, str] = field(default_factory=dict)  # case_no -> the kind it was planned as


# -- the catalogue -------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Spec:
    key: str  # the item code after the department's, e.g. XK-SPJY
    item_type: ItemType
    name: str
    legal: int  # legal limit, working days
    promised: int  # promised limit, working days
    weight: float  # relative number of cases
    party: str  # trade of a company party (餐饮管理 …); "" for a natural person
    basis: str
    conditions: str = ""
    materials: tuple[str, ...] = ()
    fees: tuple[tuple[str, str, str], ...] = ()  # name, amount, basis
    discretion: tuple[tuple[str, int, int, tuple[str, ...]], ...] = ()  # 情节, min, max, measures
    rollback: bool = False  # 审核 may send the case back to 承办
    decision: str = ""


_T = ItemType
_FOOD_MATERIALS = (
    "食品经营许可申请书",
    "营业执照或者其他主体资格证明文件",
    "与食品经营相适应的主要设备设施布局、操作流程等文件",
    "食品安全自查、从业人员健康管理、进货查验记录等保证食品安全的规章制度",
)
_FOOD_CONDITIONS = (
    "具有与经营的食品品种、数量相适应的经营场所；具有食品安全管理人员和保证食品安全的规章制度；"
    "具有合理的设备布局和工艺流程"
)

# fmt: off
_SPECS: dict[str, _Spec] = {
    s.key: s
    for s in (
        # 市场监督管理局
        _Spec("XK-SPJY", _T.licence, "食品经营许可", 20, 10, 10, "餐饮管理",
              "《中华人民共和国食品安全法》第三十五条",
              _FOOD_CONDITIONS,
              _FOOD_MATERIALS,
              rollback=True),
        _Spec("XK-SPSC", _T.licence, "食品生产许可", 20, 15, 1.5, "食品",
              "《中华人民共和国食品安全法》第三十五条",
              "具有与生产的食品品种、数量相适应的生产场所、设备设施和专业技术人员",
              ("食品生产许可申请书", "食品生产设备布局图和工艺流程图", "食品安全管理制度"),
              rollback=True),
        _Spec("XK-YPLS", _T.licence, "药品零售企业经营许可", 30, 15, 1.5, "大药房",
              "《中华人民共和国药品管理法》第五十一条",
              "有依法经过资格认定的药师；有与所经营药品相适应的营业场所、设备、仓储设施和卫生环境",
              ("药品经营许可证申请表", "执业药师注册证明", "营业场所及仓储设施平面布置图")),
        _Spec("DJ-GTGS", _T.registration, "个体工商户设立登记", 3, 1, 12, "",
              "《中华人民共和国市场主体登记管理条例》第三条",
              "申请人具有经营能力，经营场所符合规定",
              ("个体工商户登记申请书", "经营者身份证明", "经营场所使用证明")),
        _Spec("DJ-GSBG", _T.registration, "有限责任公司变更登记", 3, 1, 5, "科技",
              "《中华人民共和国市场主体登记管理条例》第二十四条",
              "变更事项符合法律法规规定",
              ("公司变更登记申请书", "股东会决议", "修改后的公司章程")),
        _Spec("CF-WZSPJY", _T.penalty, "对未取得食品经营许可从事食品经营活动的行政处罚", 90, 60, 1.2,
              "餐饮管理",
              "《中华人民共和国食品安全法》第一百二十二条第一款",
              discretion=(("轻微", 50000, 55000, ("没收违法所得", "没收违法经营的食品")),
                          ("一般", 55000, 70000, ("没收违法所得", "没收违法经营的食品")),
                          ("较重", 70000, 90000, ("没收违法所得", "没收违法经营的食品", "没收工具设备")),
                          ("严重", 90000, 100000, ("没收违法所得", "没收违法经营的食品", "没收工具设备")))),
        _Spec("CF-SPBQ", _T.penalty, "对生产经营标签不符合规定的食品的行政处罚", 90, 60, 1.5, "食品",
              "《中华人民共和国食品安全法》第一百二十五条第二款",
              discretion=(("轻微", 0, 0, ("责令改正",)),
                          ("一般", 500, 1000, ("责令改正",)),
                          ("较重", 1000, 1500, ("责令改正",)),
                          ("严重", 1500, 2000, ("责令改正",)))),
        _Spec("QZ-SPCF", _T.coercion, "查封、扣押不符合食品安全标准的食品", 30, 20, 0.5, "食品",
              "《中华人民共和国食品安全法》第一百一十条第四项",
              decision="查封、扣押"),
        _Spec("CJ-ZLQQ", _T.adjudication, "专利侵权纠纷行政裁决", 60, 45, 0.2, "科技",
              "《中华人民共和国专利法》第六十五条",
              "请求人是专利权人或者利害关系人，有明确的被请求人和具体的请求事项",
              ("行政裁决请求书", "专利权有效的证明", "侵权证据材料")),
        _Spec("GG-XFTS", _T.public_service, "消费者投诉调解", 45, 30, 6, "",
              "《中华人民共和国消费者权益保护法》第三十九条",
              "有明确的被投诉人、具体的投诉请求和事实依据",
              ("投诉书", "投诉人身份证明", "购物凭证或者服务单据")),
        _Spec("QT-SPJC", _T.other, "对食品生产经营者的日常监督检查", 15, 10, 3, "餐饮管理",
              "《中华人民共和国食品安全法》第一百一十条",
              "",
              ("监督检查要点表", "现场检查记录")),
        # 自然资源和规划局
        _Spec("XK-GCGH", _T.licence, "建设工程规划许可证核发", 20, 10, 1.5, "置业",
              "《中华人民共和国城乡规划法》第四十条",
              "建设项目符合控制性详细规划和规划条件",
              ("建设工程规划许可申请表", "使用土地的有关证明文件", "建设工程设计方案"),
              rollback=True),
        _Spec("DJ-BDC", _T.registration, "不动产登记（国有建设用地使用权及房屋所有权）", 30, 5, 10, "",
              "《中华人民共和国民法典》第二百零九条；《不动产登记暂行条例》第二十条",
              "权属清楚、界址清晰，申请材料齐全、符合法定形式",
              ("不动产登记申请书", "申请人身份证明", "不动产权属来源证明材料", "完税凭证"),
              fees=(("不动产登记费（住宅）", "80.00",
                     "《国家发展改革委 财政部关于不动产登记收费标准等有关问题的通知》"
                     "（发改价格规〔2016〕2559号）"),)),
        _Spec("SP-YDYS", _T.non_licence_approval, "建设项目用地预审与选址意见书核发", 20, 10, 0.5, "投资",
              "《中华人民共和国土地管理法》第五十二条；《中华人民共和国城乡规划法》第三十六条",
              "",
              ("用地预审与选址申请表", "建设项目可行性研究报告", "项目拟选址位置图")),
        _Spec("ZS-TDFK", _T.levy, "土地复垦费征收", 20, 10, 0.3, "矿业",
              "《土地复垦条例》第十八条",
              "",
              ("土地复垦费缴纳通知书", "土地复垦方案")),
        _Spec("CF-FFZD", _T.penalty, "对未经批准非法占用土地的行政处罚", 90, 60, 0.4, "建设工程",
              "《中华人民共和国土地管理法》第七十七条第一款",
              discretion=(("轻微", 1000, 10000, ("责令退还非法占用的土地",)),
                          ("一般", 10000, 50000, ("责令退还非法占用的土地", "限期拆除新建建筑物")),
                          ("较重", 50000, 150000, ("责令退还非法占用的土地", "没收新建建筑物")),
                          ("严重", 150000, 300000, ("责令退还非法占用的土地", "没收新建建筑物")))),
        # 住房和城乡建设局
        _Spec("XK-SGXK", _T.licence, "建筑工程施工许可证核发", 7, 3, 2, "建设工程",
              "《中华人民共和国建筑法》第七条",
              "已经办理用地批准手续和规划许可证，施工图设计文件已按规定审查合格",
              ("建筑工程施工许可证申请表", "建设工程规划许可证", "施工合同", "工程质量安全监督手续"),
              rollback=True),
        _Spec("QT-JGBA", _T.other, "房屋建筑和市政基础设施工程竣工验收备案", 15, 5, 1, "建设工程",
              "《建设工程质量管理条例》第四十九条",
              "",
              ("竣工验收备案表", "工程竣工验收报告", "消防验收或者备案证明")),
        _Spec("CF-WZSG", _T.penalty, "对未取得施工许可证擅自施工的行政处罚", 90, 60, 0.4, "建设工程",
              "《建设工程质量管理条例》第五十七条",
              discretion=(("轻微", 10000, 20000, ("责令停止施工", "限期改正")),
                          ("一般", 20000, 60000, ("责令停止施工", "限期改正")),
                          ("较重", 60000, 100000, ("责令停止施工", "限期改正")),
                          ("严重", 100000, 200000, ("责令停止施工", "限期改正")))),
        # 交通运输局
        _Spec("XK-HYJY", _T.licence, "道路货物运输经营许可", 20, 5, 2, "物流",
              "《中华人民共和国道路运输条例》第二十四条",
              "有与其经营业务相适应并经检测合格的车辆和符合规定的驾驶人员",
              ("道路货物运输经营申请表", "车辆行驶证", "驾驶人员从业资格证")),
        _Spec("CF-WZYS", _T.penalty, "对未取得道路运输经营许可擅自从事道路普通货物运输经营的行政处罚", 90, 60,
              0.8, "物流",
              "《中华人民共和国道路运输条例》第六十三条",
              discretion=(("轻微", 3000, 5000, ("责令停止经营",)),
                          ("一般", 5000, 10000, ("责令停止经营",)),
                          ("较重", 10000, 50000, ("责令停止经营", "没收违法所得")),
                          ("严重", 50000, 100000, ("责令停止经营", "没收违法所得")))),
        _Spec("QZ-ZKCL", _T.coercion, "暂扣未取得道路运输经营许可的车辆", 30, 20, 0.3, "物流",
              "《中华人民共和国道路运输条例》第六十六条；《中华人民共和国行政强制法》第九条",
              decision="暂扣车辆"),
        # 生态环境局
        _Spec("XK-HPBG", _T.licence, "建设项目环境影响报告表审批", 30, 15, 1, "制造",
              "《中华人民共和国环境影响评价法》第二十二条",
              "建设项目符合生态环境分区管控要求，污染物排放符合国家和地方标准",
              ("环境影响报告表审批申请", "建设项目环境影响报告表", "公众参与说明"),
              rollback=True),
        _Spec("CF-DQCB", _T.penalty, "对超过大气污染物排放标准排放大气污染物的行政处罚", 90, 60, 0.5, "制造",
              "《中华人民共和国大气污染防治法》第九十九条第二项",
              discretion=(("轻微", 100000, 200000, ("责令改正", "限制生产")),
                          ("一般", 200000, 400000, ("责令改正", "限制生产")),
                          ("较重", 400000, 700000, ("责令停产整治",)),
                          ("严重", 700000, 1000000, ("责令停产整治",)))),
        # 卫生健康委员会
        _Spec("XK-GGWS", _T.licence, "公共场所卫生许可", 20, 5, 3, "酒店管理",
              "《公共场所卫生管理条例》第八条",
              "经营场所卫生条件符合国家卫生标准，从业人员取得健康合格证明",
              ("公共场所卫生许可申请表", "卫生检测或者评价报告", "从业人员健康合格证明")),
        _Spec("XK-YLJG", _T.licence, "医疗机构执业登记", 45, 20, 0.5, "医疗管理",
              "《医疗机构管理条例》第十五条",
              "按照设置审批确定的类别、规模建成，符合医疗机构基本标准",
              ("医疗机构执业登记申请书", "医疗机构用房产权证明或者使用证明", "医务人员执业证书")),
        _Spec("DJ-YSZC", _T.registration, "医师执业注册", 20, 10, 1.5, "",
              "《中华人民共和国医师法》第十三条",
              "取得医师资格，经执业医疗机构同意",
              ("医师执业注册申请审核表", "医师资格证书", "健康证明")),
        _Spec("CF-GGWS", _T.penalty, "对未取得公共场所卫生许可证擅自营业的行政处罚", 90, 60, 0.6, "酒店管理",
              "《公共场所卫生管理条例实施细则》第三十五条第一款",
              discretion=(("轻微", 500, 1000, ("警告",)),
                          ("一般", 1000, 3000, ("警告",)),
                          ("较重", 3000, 5000, ("警告",)),
                          ("严重", 5000, 30000, ("责令停业整顿",)))),
        # 公安局
        _Spec("XK-PTHZ", _T.licence, "普通护照签发", 15, 7, 6, "",
              "《中华人民共和国护照法》第五条、第六条",
              "中国公民因前往外国定居、探亲、学习、就业、旅行、从事商务活动等非公务原因出国",
              ("中国公民出入境证件申请表", "居民身份证", "近期免冠照片"),
              fees=(("普通护照", "120.00",
                     "《国家发展改革委 财政部关于降低部分行政事业性收费标准的通知》"),)),
        _Spec("GG-SFZ", _T.public_service, "居民身份证换领", 60, 20, 8, "",
              "《中华人民共和国居民身份证法》第八条",
              "居民身份证有效期满、登记项目变更或者严重损坏",
              ("常住人口登记表", "原居民身份证"),
              fees=(("居民身份证工本费", "20.00", "《中华人民共和国居民身份证法》第二十条"),)),
        _Spec("DJ-HKQY", _T.registration, "户口迁移登记", 10, 3, 4, "",
              "《中华人民共和国户口登记条例》第十条",
              "符合户口迁入条件",
              ("户口迁移申请表", "居民户口簿", "合法稳定住所证明")),
        _Spec("CF-SYDW", _T.penalty, "对饲养动物干扰他人正常生活的行政处罚", 30, 20, 0.6, "",
              "《中华人民共和国治安管理处罚法》第七十五条第一款",
              discretion=(("轻微", 0, 0, ("警告",)),
                          ("一般", 200, 300, ()),
                          ("较重", 300, 400, ()),
                          ("严重", 400, 500, ()))),
        # 民政局
        _Spec("DJ-JHDJ", _T.registration, "婚姻登记（结婚登记）", 1, 0, 6, "",
              "《中华人民共和国民法典》第一千零四十九条",
              "男女双方完全自愿，达到法定婚龄，不存在禁止结婚的情形",
              ("居民户口簿", "居民身份证",
               "本人无配偶以及与对方当事人没有直系血亲和三代以内旁系血亲关系的签字声明")),
        _Spec("JF-DBJ", _T.benefit, "最低生活保障金给付", 30, 20, 3, "",
              "《社会救助暂行办法》第十一条",
              "共同生活的家庭成员人均收入低于当地最低生活保障标准，且符合财产状况规定",
              ("最低生活保障申请书", "家庭成员身份证明", "家庭收入和财产状况声明")),
        # 人力资源和社会保障局
        _Spec("JF-SYBX", _T.benefit, "失业保险金申领", 10, 5, 4, "",
              "《失业保险条例》第十四条",
              "失业前按照规定参加失业保险且缴费满一年，非因本人意愿中断就业，已办理失业登记",
              ("失业保险金申领登记表", "解除或者终止劳动关系证明")),
        _Spec("QR-GSRD", _T.confirmation, "工伤认定", 60, 30, 1, "",
              "《工伤保险条例》第十七条、第二十条",
              "职工在工作时间和工作场所内，因工作原因受到事故伤害",
              ("工伤认定申请表", "劳动关系证明", "医疗诊断证明")),
        _Spec("CJ-LDZY", _T.adjudication, "劳动人事争议仲裁", 45, 30, 1.2, "",
              "《中华人民共和国劳动争议调解仲裁法》第四十三条",
              "属于劳动人事争议仲裁受理范围，在仲裁时效期间内",
              ("仲裁申请书", "申请人身份证明", "劳动关系证明材料")),
        _Spec("SP-TSGS", _T.non_licence_approval, "企业实行不定时工作制和综合计算工时工作制审批", 20, 10, 0.8,
              "物流",
              "《中华人民共和国劳动法》第三十九条",
              "",
              ("特殊工时制度申请表", "职工代表大会或者工会意见", "实施方案")),
        # 教育局
        _Spec("QR-JSZG", _T.confirmation, "教师资格认定", 30, 20, 3, "",
              "《中华人民共和国教师法》第十三条",
              "具备规定的学历或者通过教师资格考试，思想品德和普通话水平符合要求",
              ("教师资格认定申请表", "学历证书", "普通话水平测试等级证书", "体检合格证明")),
        _Spec("JF-XSZZ", _T.benefit, "义务教育阶段家庭经济困难学生生活补助", 30, 15, 1, "",
              "《中华人民共和国义务教育法》第四十四条",
              "在校就读的家庭经济困难学生",
              ("学生资助申请表", "家庭经济困难情况说明")),
        # 农业农村局
        _Spec("XK-NYJY", _T.licence, "农药经营许可", 20, 10, 0.8, "农资",
              "《农药管理条例》第二十四条",
              "有农学、植保、农药等相关专业学历或者培训合格的经营人员，有与经营规模相适应的营业场所",
              ("农药经营许可证申请表", "经营人员学历或者培训证明", "营业场所及仓储场所证明")),
        _Spec("CF-JNY", _T.penalty, "对经营假农药的行政处罚", 90, 60, 0.5, "农资",
              "《农药管理条例》第五十五条第一款",
              discretion=(("轻微", 5000, 10000, ("没收违法所得", "没收违法经营的农药")),
                          ("一般", 10000, 20000, ("没收违法所得", "没收违法经营的农药")),
                          ("较重", 20000, 35000, ("没收违法所得", "没收违法经营的农药")),
                          ("严重", 35000, 50000, ("没收违法所得", "吊销农药经营许可证")))),
        # 文化广电旅游局
        _Spec("XK-YLCS", _T.licence, "娱乐场所经营许可", 20, 10, 0.5, "文化娱乐",
              "《娱乐场所管理条例》第九条",
              "",
              ("娱乐场所经营申请书", "营业执照", "消防安全检查合格证明")),
        _Spec("CF-YLCS", _T.penalty, "对擅自从事娱乐场所经营活动的行政处罚", 90, 60, 0.3, "文化娱乐",
              "《娱乐场所管理条例》第四十一条",
              discretion=(("轻微", 10000, 20000, ("没收违法所得",)),
                          ("一般", 20000, 30000, ("没收违法所得",)),
                          ("较重", 30000, 40000, ("没收违法所得", "没收专用工具")),
                          ("严重", 40000, 50000, ("没收违法所得", "没收专用工具")))),
        # 应急管理局
        _Spec("XK-WHJY", _T.licence, "危险化学品经营许可", 30, 15, 0.5, "化工",
              "《危险化学品安全管理条例》第三十三条、第三十五条",
              "经营场所和储存设施符合国家标准，有专职安全管理人员和健全的安全管理规章制度",
              ("危险化学品经营许可证申请书", "安全评价报告", "主要负责人和安全管理人员安全资格证明"),
              rollback=True),
        _Spec("CF-AQPX", _T.penalty, "对生产经营单位未按照规定对从业人员进行安全生产教育和培训的行政处罚", 90,
              60, 0.5, "制造",
              "《中华人民共和国安全生产法》第九十七条第三项",
              discretion=(("轻微", 0, 10000, ("责令限期改正",)),
                          ("一般", 10000, 40000, ("责令限期改正",)),
                          ("较重", 40000, 70000, ("责令限期改正",)),
                          ("严重", 70000, 100000, ("责令限期改正", "责令停产停业整顿")))),
        # 税务局
        _Spec("ZS-QS", _T.levy, "契税征收", 5, 1, 8, "",
              "《中华人民共和国契税法》第一条",
              "",
              ("契税纳税申报表", "不动产权属转移合同", "身份证明")),
        _Spec("XK-ZPXE", _T.licence, "增值税专用发票（增值税税控系统）最高开票限额审批", 20, 10, 1, "商贸",
              "《国务院对确需保留的行政审批项目设定行政许可的决定》第236项",
              "",
              ("税务行政许可申请表", "最高开票限额申请单")),
    )
}

# Departments by region: code suffix, name, the items (by spec key) they handle.
_CITY_DEPTS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("SCJG", "市场监督管理局",
     ("XK-SPJY", "XK-SPSC", "XK-YPLS", "DJ-GTGS", "DJ-GSBG", "CF-WZSPJY", "CF-SPBQ", "QZ-SPCF",
      "CJ-ZLQQ", "GG-XFTS", "QT-SPJC")),
    ("ZRZY", "自然资源和规划局", ("XK-GCGH", "DJ-BDC", "SP-YDYS", "ZS-TDFK", "CF-FFZD")),
    ("ZJ", "住房和城乡建设局", ("XK-SGXK", "QT-JGBA", "CF-WZSG")),
    ("JTYS", "交通运输局", ("XK-HYJY", "CF-WZYS", "QZ-ZKCL")),
    ("STHJ", "生态环境局", ("XK-HPBG", "CF-DQCB")),
    ("WJW", "卫生健康委员会", ("XK-GGWS", "XK-YLJG", "DJ-YSZC", "CF-GGWS")),
    ("GA", "公安局", ("XK-PTHZ", "GG-SFZ", "DJ-HKQY", "CF-SYDW")),
    ("MZ", "民政局", ("DJ-JHDJ", "JF-DBJ")),
    ("RS", "人力资源和社会保障局", ("JF-SYBX", "QR-GSRD", "CJ-LDZY", "SP-TSGS")),
    ("JY", "教育局", ("QR-JSZG", "JF-XSZZ")),
    ("NYNC", "农业农村局", ("XK-NYJY", "CF-JNY")),
    ("WGLY", "文化广电旅游局", ("XK-YLCS", "CF-YLCS")),
    ("YJGL", "应急管理局", ("XK-WHJY", "CF-AQPX")),
    ("SW", "税务局", ("ZS-QS", "XK-ZPXE")),
)
_COUNTY_DEPTS: dict[str, tuple[tuple[str, str, tuple[str, ...]], ...]] = {
    "330902": (("SCJG", "市场监督管理局", ("XK-SPJY", "DJ-GTGS", "CF-WZSPJY")),
               ("ZJ", "住房和城乡建设局", ("XK-SGXK",))),
    "330903": (("SCJG", "市场监督管理局", ("XK-SPJY", "DJ-GTGS", "CF-SPBQ")),
               ("MZ", "民政局", ("DJ-JHDJ", "JF-DBJ"))),
    "330921": (("SCJG", "市场监督管理局", ("XK-SPJY", "DJ-GTGS")),
               ("NYNC", "农业农村局", ("XK-NYJY", "CF-JNY"))),
}
_COUNTY_SHARE = 0.6  # a county department's volume of an item relative to the city department's

# Process templates: code, name, posts, materials, share of the time, required.
_StepT = tuple[str, str, tuple[str, ...], tuple[str, ...], int, bool]
_APPROVAL_STEPS: tuple[_StepT, ...] = (
    ("accept", "受理", ("受理岗",), (), 1, True),
    ("undertake", "承办", ("承办岗",), ("审查意见表",), 4, True),
    ("review", "审核", ("审核岗",), ("审核意见表",), 2, True),
    ("approve", "批准", ("批准岗",), ("审批决定书",), 2, True),
    ("complete", "办结", ("受理岗", "办结岗"), ("送达回证",), 1, True),
)
_PENALTY_STEPS: tuple[_StepT, ...] = (
    ("register", "立案", ("办案岗", "立案审批岗"), ("案件来源登记表", "立案审批表"), 3, True),
    ("investigate", "调查取证", ("办案岗",), ("现场检查笔录", "询问笔录", "证据材料"), 25, True),
    ("inform", "告知", ("办案岗",), ("行政处罚告知书",), 5, True),
    ("hearing", "听证", ("听证主持岗",), ("听证通知书", "听证笔录"), 10, False),
    ("decide", "决定", ("决定岗",), ("法制审核意见书", "行政处罚决定书"), 7, True),
    ("serve", "送达", ("办案岗", "送达岗"), ("送达回证",), 3, True),
    ("execute", "执行", ("办案岗", "执行岗"), ("罚没款缴款凭证",), 10, True),
    ("close", "结案", ("办案岗",), ("结案审批表",), 3, True),
)
_COERCION_STEPS: tuple[_StepT, ...] = (
    ("register", "立案审批", ("办案岗", "立案审批岗"), ("行政强制措施审批表",), 1, True),
    ("investigate", "现场调查", ("办案岗",), ("现场笔录", "证据材料"), 3, True),
    ("inform", "告知当事人", ("办案岗",), ("告知书", "陈述申辩笔录"), 2, True),
    ("decide", "作出强制措施决定", ("决定岗",), ("查封扣押决定书",), 2, True),
    ("serve", "送达决定书", ("办案岗", "送达岗"), ("送达回证",), 1, True),
    ("execute", "实施强制措施", ("办案岗", "执行岗"), ("查封扣押清单", "现场笔录"), 8, True),
    ("close", "处理结案", ("办案岗",), ("处理决定书", "结案审批表"), 3, True),
)
# fmt: on
_DECISIONS = {  # (granted, refused)
    _T.licence: ("准予行政许可", "不予行政许可"),
    _T.non_licence_approval: ("同意", "不予批准"),
    _T.registration: ("准予登记", "不予登记"),
    _T.levy: ("依法核定征收", "不予征收"),
    _T.benefit: ("准予给付", "不予给付"),
    _T.confirmation: ("予以确认", "不予确认"),
    _T.adjudication: ("作出行政裁决", "驳回裁决申请"),
    _T.public_service: ("予以办理", "不予办理"),
    _T.other: ("予以办结", "不予办理"),
}
_PENALTY_FAMILY = frozenset({_T.penalty, _T.coercion})
_REJECTABLE = frozenset({_T.licence, _T.non_licence_approval, _T.registration, _T.benefit, _T.confirmation})


def _step_limits(template: tuple[_StepT, ...], promised: int) -> dict[str, int]:
    total = sum(t[4] for t in template if t[5])
    return {t[0]: 0 if promised == 0 else max(1, round(promised * t[4] / total)) for t in template}


def _template(item_type: ItemType) -> tuple[_StepT, ...]:
    if item_type is _T.penalty:
        return _PENALTY_STEPS
    if item_type is _T.coercion:
        return _COERCION_STEPS
    return _APPROVAL_STEPS


def _make_item(spec: _Spec, dept_code: str) -> PowerItem:
    template = _template(spec.item_type)
    limits = _step_limits(template, spec.promised)
    steps = []
    for order, (code, name, allowed, materials, _w, required) in enumerate(template, start=1):
        if code == "accept":
            materials = spec.materials or ("申请书", "申请人身份证明")
        steps.append(
            Step(
                code=code,
                name=name,
                order=order,
                limit_days=limits[code],
                posts=allowed,
                materials=materials,
                required=required,
            )
        )
    transitions: list[Transition] = []
    if spec.item_type is _T.penalty:
        # 听证 is optional: going from 告知 straight to 决定 is a legal forward move.
        transitions.append(Transition(from_step="inform", to_step="decide"))
        if spec.rollback or spec.weight >= 0.5:  # the busier ones: 法制审核 may ask for more evidence
            transitions.append(
                Transition(from_step="decide", to_step="investigate", kind=TransitionKind.rollback)
            )
    elif spec.rollback:
        transitions.append(Transition(from_step="review", to_step="undertake", kind=TransitionKind.rollback))
    posts: list[str] = []
    for step in steps:
        posts.extend(p for p in step.posts if p not in posts)
    discretion = tuple(
        DiscretionBenchmark(
            clause=spec.basis, circumstance=c, fine_min=Decimal(lo), fine_max=Decimal(hi), measures=m
        )
        for c, lo, hi, m in spec.discretion
    )
    conditions = spec.conditions
    if not conditions and spec.item_type in _PENALTY_FAMILY:
        conditions = "有违法事实，属于本机关管辖，依法应当给予行政处罚或者采取行政强制措施"
    return PowerItem(
        code=f"{dept_code}-{spec.key}",
        name=spec.name,
        item_type=spec.item_type,
        department_code=dept_code,
        legal_basis=spec.basis,
        conditions=conditions,
        materials=spec.materials,
        fees=tuple(Fee(name=n, amount=Decimal(a), basis=b) for n, a, b in spec.fees),
        legal_limit_days=spec.legal,
        promised_limit_days=spec.promised,
        process=ProcessDefinition(steps=tuple(steps), transitions=tuple(transitions)),
        posts=tuple(posts),
        discretion=discretion,
    )


# -- people --------------------------------------------------------------------------------------
# fmt: off
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢"
    "姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
_GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅志斌海燕鹏宇浩然晨曦子涵欣怡思远俊杰雨婷"
    "佳琪文博嘉怡梓萱一鸣若曦家豪振宇晓东春梅秋菊立新卫东丽萍凤兰玉珍德明永强宏伟"
)
_BRANDS = ("鸿运", "恒泰", "新锐", "金桥", "和顺", "瑞丰", "华美", "宏达", "永盛", "佳禾", "天成", "众信",
           "盛世", "安康", "绿源", "锦程", "德润", "嘉禾", "博远", "明辉", "东升", "汇通", "长青", "信达")
_ID_AREAS = ("330902", "330903", "330921", "330902", "330903", "330921", "110105", "310104", "320106",
             "340104", "350203", "360102", "370202", "410105", "420106", "430104", "440106", "510107")
_PHONE_PREFIXES = ("130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153",
                   "155", "156", "157", "158", "159", "166", "173", "177", "180", "181", "182", "183", "185",
                   "186", "187", "188", "189", "191", "198", "199")
# fmt: on
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_BIRTH_FIRST = date(1950, 1, 1).toordinal()
_BIRTH_LAST = date(2005, 12, 31).toordinal()


class _Rng(random.Random):
    """Mersenne Twister as `random.Random`, with quicker (slightly biased) integer draws."""

    def below(self, n: int) -> int:
        return int(self.random() * n)

    def between(self, lo: int, hi: int) -> int:
        return lo + int(self.random() * (hi - lo + 1))

    def pick(self, seq: Sequence[_V]) -> _V:
        return seq[int(self.random() * len(seq))]


def id_check_digit(first17: str) -> str:
    """The GB 11643-1999 check character of the first 17 digits of a citizen ID number."""
    return "10X98765432"[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


def _name(rng: _Rng) -> str:
    given = rng.pick(_GIVEN) if rng.random() < 0.3 else rng.pick(_GIVEN) + rng.pick(_GIVEN)
    return rng.pick(_SURNAMES) + given


def _id_number(rng: _Rng) -> str:
    born = date.fromordinal(rng.between(_BIRTH_FIRST, _BIRTH_LAST))
    first17 = f"{rng.pick(_ID_AREAS)}{born:%Y%m%d}{rng.below(1000):03d}"
    return first17 + id_check_digit(first17)


def _phone(rng: _Rng) -> str:
    return f"{rng.pick(_PHONE_PREFIXES)}{rng.below(10**8):08d}"


# -- cases ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Ctx:
    item: PowerItem
    spec: _Spec
    dept_code: str
    place: str  # 示范市 or 示范市东湖区 …, for company names
    abbr: str
    source_system: str
    penalty: bool
    weights: dict[str, int]
    posts: dict[str, tuple[str, ...]]
    rollback: tuple[str, str] | None  # the legal rollback, if any


# One planned event: step, action, day offset from the first event, attributes, post (None: the step's).
_Plan = list[Any]

_KINDS = (
    ("on_time", 0.785),
    ("late", 0.08),
    ("irregular", 0.05),
    ("suspended", 0.05),
    ("rejected", 0.02),
    ("discretion", 0.004),
    ("overcharge", 0.0025),
    ("deposit", 0.0025),
    ("unknown_step", 0.003),
    ("same_instant", 0.003),
)
_CASE_SOURCES = ("日常检查", "投诉举报", "上级交办", "其他部门移送", "监督抽检")
_CIRCUMSTANCES = (("轻微", 0.15), ("一般", 0.5), ("较重", 0.25), ("严重", 0.1))


def _work_to_clock(ws: int) -> int:
    """Seconds since local midnight of a working second of the day (past 17:30 it runs on)."""
    return 9 * 3600 + ws if ws < _MORNING else 13 * 3600 + 1800 + ws - _MORNING


def _clock_to_work(seconds: int) -> int:
    """Working seconds of the day before the local time of day `seconds`."""
    if seconds < 9 * 3600:
        return 0
    if seconds < 12 * 3600:
        return seconds - 9 * 3600
    if seconds < 13 * 3600 + 1800:
        return _MORNING
    return min(_MORNING + seconds - (13 * 3600 + 1800), _WORK_SECONDS)


class _Generator:
    def __init__(self, calendar: WorkCalendar, now: datetime, seed: int) -> None:
        self.rng = _Rng(seed)
        local_now = to_utc(now).astimezone(LOCAL)
        self.now_day = local_now.date()
        self.now_clock = local_now.hour * 3600 + local_now.minute * 60 + local_now.second
        self.now_key = self.now_day.toordinal() * 86400 + self.now_clock
        first = self.now_day - timedelta(days=DAYS_BACK - 1)
        span = (self.now_day - first).days + 1
        self.days = [d for d in (first + timedelta(days=i) for i in range(span)) if calendar.is_workday(d)]
        self.day_iso = [d.isoformat() for d in self.days]
        self.day_ord = [d.toordinal() for d in self.days]
        self.regions: list[dict[str, str | None]] = []
        self.departments: list[dict[str, str]] = []
        self.items: list[PowerItem] = []
        self.ctxs: list[_Ctx] = []
        self.staff: dict[tuple[str, str], list[str]] = {}
        self.weights: list[float] = []
        self._catalogue()

    # -- catalogue and staff -----------------------------------------------------------------------
    def _catalogue(self) -> None:
        city_code, city_name = CITY
        self.regions.append({"code": city_code, "name": city_name, "level": "city", "parent_code": None})
        for code, name in COUNTIES:
            self.regions.append({"code": code, "name": name, "level": "county", "parent_code": city_code})
        places = {city_code: city_name, **{c: city_name + n for c, n in COUNTIES}}
        layout = [(city_code, d, 1.0) for d in _CITY_DEPTS]
        layout += [(c, d, _COUNTY_SHARE) for c, _n in COUNTIES for d in _COUNTY_DEPTS[c]]
        for region, (abbr, name, keys), share in layout:
            dept = f"{region}-{abbr}"
            full = "国家税务总局" + places[region] + name if abbr == "SW" else places[region] + name
            self.departments.append({"code": dept, "name": full, "region_code": region})
            for key in keys:
                spec = _SPECS[key]
                item = _make_item(spec, dept)
                penalty = spec.item_type in _PENALTY_FAMILY
                steps = item.process.ordered()
                legal = [
                    (t.from_step, t.to_step)
                    for t in item.process.transitions
                    if t.kind is TransitionKind.rollback
                ]
                self.items.append(item)
                self.ctxs.append(
                    _Ctx(
                        item=item,
                        spec=spec,
                        dept_code=dept,
                        place=places[region],
                        abbr=abbr,
                        source_system=f"{dept}-{'执法办案系统' if penalty else '审批系统'}",
                        penalty=penalty,
                        weights={t[0]: t[4] for t in _template(spec.item_type)},
                        posts={s.code: s.posts for s in steps},
                        rollback=legal[0] if legal else None,
                    )
                )
                self.weights.append(spec.weight * share)
                for post in item.posts:
                    if (dept, post) not in self.staff:
                        self.staff[dept, post] = [_name(self.rng) for _ in range(self.rng.between(2, 4))]

    def _pool(self, keep: list[bool]) -> tuple[list[_Ctx], list[float]]:
        chosen = [c for c, k in zip(self.ctxs, keep, strict=True) if k]
        weights = [w for w, k in zip(self.weights, keep, strict=True) if k]
        return chosen, list(accumulate(weights))

    # -- cases -----------------------------------------------------------------------------------
    def build(self, count: int) -> DemoData:
        rng = self.rng
        pools = {
            "on_time": self._pool([True] * len(self.ctxs)),
            "late": self._pool([1 <= c.item.legal_limit_days <= 30 for c in self.ctxs]),
            "rejected": self._pool([c.item.item_type in _REJECTABLE for c in self.ctxs]),
        }
        pools["irregular"] = pools["suspended"] = pools["on_time"]
        pools["discretion"] = self._pool([bool(c.item.discretion) for c in self.ctxs])
        pools["overcharge"] = self._pool([bool(c.item.fees) for c in self.ctxs])
        pools["deposit"] = self._pool([not c.penalty and not c.item.fees for c in self.ctxs])
        pools["unknown_step"] = pools["same_instant"] = self._pool([not c.penalty for c in self.ctxs])
        kind_cum = list(accumulate(p for _k, p in _KINDS))

        # Working seconds available per day, today only up to now.
        avail = [_WORK_SECONDS] * len(self.days)
        if self.days and self.days[-1] == self.now_day:
            avail[-1] = _clock_to_work(self.now_clock)
        cum = list(accumulate(avail))
        total = cum[-1] if cum else 0
        if count > 0 and total <= 0:
            raise ValueError("no working time in the 90 days before now")
        receipts = []
        for _ in range(count):
            u = rng.random() * total
            day = bisect_right(cum, u)
            ws = int(u - (cum[day - 1] if day else 0))
            receipts.append((day, min(ws, avail[day] - 1)))
        receipts.sort()

        cases: list[CaseIn] = []
        events: list[dict[str, Any]] = []
        kinds: dict[str, str] = {}
        for n, (day, ws) in enumerate(receipts, start=1):
            kind = _KINDS[min(bisect_right(kind_cum, rng.random() * kind_cum[-1]), len(_KINDS) - 1)][0]
            ctxs, cw = pools[kind]
            ctx = ctxs[min(bisect_right(cw, rng.random() * cw[-1]), len(ctxs) - 1)]
            case, case_events = self._case(n, kind, ctx, day, ws)
            cases.append(case)
            events.extend(case_events)
            kinds[case.case_no] = kind
        events.sort(key=lambda e: str(e["occurred_at"]))
        return DemoData(self.regions, self.departments, self.items, cases, events, kinds)

    def _case(self, n: int, kind: str, ctx: _Ctx, day: int, ws: int) -> tuple[CaseIn, list[dict[str, Any]]]:
        rng = self.rng
        received = self.days[day]
        case_no = f"{ctx.abbr}-{received:%Y%m%d}-{n:06d}"
        person = _name(rng)
        party = f"{ctx.place}{rng.pick(_BRANDS)}{ctx.spec.party}有限公司" if ctx.spec.party else person
        item = ctx.item
        if ctx.penalty:
            if item.item_type is _T.penalty:
                violation = item.name.removeprefix("对").removesuffix("的行政处罚")
                title = f"{party}涉嫌{violation}案"
            else:
                title = f"对{party}{item.name}"
        else:
            title = f"{party}申请{item.name}"
        clock = _work_to_clock(ws)
        case = CaseIn(
            source_system=ctx.source_system,
            case_no=case_no,
            item_code=item.code,
            received_at=datetime(
                received.year,
                received.month,
                received.day,
                clock // 3600,
                clock // 60 % 60,
                clock % 60,
                tzinfo=LOCAL,
            ),
            applicant=Applicant(name=person, id_number=_id_number(rng), phone=_phone(rng)),
            check_code=f"{rng.below(10**6):06d}",
            title=title,
        )
        plan = self._plan_penalty(kind, ctx) if ctx.penalty else self._plan_approval(kind, ctx)
        return case, self._emit(plan, ctx, case_no, day, ws, same_minute=kind == "same_instant")

    # -- planning --------------------------------------------------------------------------------
    def _duration(self, kind: str, item: PowerItem, mode: float) -> int:
        rng = self.rng
        legal, promised = item.legal_limit_days, item.promised_limit_days
        if kind == "late":
            return legal + rng.between(1, max(3, legal // 3))
        if kind == "on_time" and promised < legal and rng.random() < 0.08:
            return rng.between(promised + 1, legal)  # past the promise, within the law
        return round(promised * rng.triangular(0.15, 1.0, mode))

    def _lay_out(self, steps: list[str], total: int, ctx: _Ctx) -> _Plan:
        """Events at the given steps, `total` working days spread over the steps by their weight."""
        rng = self.rng
        shares = [ctx.weights[s] * (0.5 + rng.random()) for s in steps[:-1]]
        whole = sum(shares) or 1.0
        gaps = [int(total * s / whole) for s in shares]
        for _ in range(total - sum(gaps)):
            gaps[rng.below(len(gaps))] += 1
        offsets = [0, *accumulate(gaps)]
        return [[s, s, o, {}, None] for s, o in zip(steps, offsets, strict=True)]

    def _plan_approval(self, kind: str, ctx: _Ctx) -> _Plan:
        rng = self.rng
        item = ctx.item
        granted, refused = _DECISIONS[item.item_type]
        plan = self._lay_out([s[0] for s in _APPROVAL_STEPS], self._duration(kind, item, 0.4), ctx)
        index = {e[0]: i for i, e in enumerate(plan)}
        plan[index["review"]][3] = {"opinion": "材料齐全，符合法定条件，同意"}
        plan[index["approve"]][3] = {"legal_basis": item.legal_basis, "decision": granted}
        fee = sum((f.amount for f in item.fees), Decimal(0))
        if fee:
            plan[index["complete"]][3] = {"fee_charged": f"{fee:.2f}"}
        if kind == "rejected":
            if rng.random() < 0.5:
                basis = (
                    "《中华人民共和国行政许可法》第三十二条"
                    if item.item_type is _T.licence
                    else item.legal_basis
                )
                reason = rng.pick(
                    (
                        "申请事项依法不属于本机关职权范围",
                        "申请材料不齐全、不符合法定形式，经一次性告知后逾期未补正",
                    )
                )
                refusal = {"legal_basis": basis, "decision": "不予受理", "reason": reason}
                return [["accept", "reject", 0, refusal, None]]
            plan = plan[: index["approve"] + 1]
            plan[-1][1] = "reject"
            plan[-1][3] = {
                "legal_basis": item.legal_basis,
                "decision": refused,
                "reason": rng.pick(("经审查，申请人不符合法定条件", "经现场核查，实际情况与申请材料不符")),
            }
        elif kind == "suspended":
            r = rng.random()
            if r < 0.4:
                self._suspend(
                    plan, index["undertake"], "supplement", rng.between(2, 10), "request-supplement"
                )
            elif r < 0.7:
                self._suspend(plan, index["review"], "expert-review", rng.between(5, 20))
            else:
                self._suspend(plan, index["approve"], "extension", rng.between(5, 15))
        elif kind == "irregular":
            self._irregular(
                plan,
                ctx,
                ("undertake", "review"),
                ("approve", ("accept", "undertake")),
                ("review", "approve"),
                "approve",
            )
        elif kind == "overcharge":  # 重复收费, or a charge on top of the standard (加急费 …)
            charged = fee * 2 if rng.random() < 0.5 else fee + rng.pick((30, 50, 100))
            plan[index["complete"]][3] = {"fee_charged": f"{charged:.2f}"}
        elif kind == "deposit":  # 押金 asked at acceptance, on an item that charges nothing
            deposit = rng.pick((200, 500, 1000, 2000))
            plan[index["accept"]][3] = {"deposit": f"{deposit}.00", "deposit_reason": "办理保证金"}
        elif kind == "unknown_step":  # 预审 between 受理 and 承办, a step the process does not define
            k = index["undertake"]
            at = rng.between(plan[k - 1][2], plan[k][2])
            plan.insert(k, ["pre-review", "review", at, {"opinion": "预审通过，转承办"}, "受理岗"])
        elif kind == "same_instant":  # 虚拟运行: handled on paper, every step typed in at the end
            for e in plan:
                e[2] = plan[-1][2]
        elif ctx.rollback and rng.random() < 0.1:
            self._return(plan, ctx.rollback[0], ctx.rollback[1], "材料审查意见不充分，退回补充")
        return plan

    def _plan_penalty(self, kind: str, ctx: _Ctx) -> _Plan:
        rng = self.rng
        item = ctx.item
        spec = ctx.spec
        steps = [s.code for s in item.process.ordered() if s.required]
        r = rng.random()
        reason = None
        if kind == "suspended":
            if item.item_type is _T.penalty and r < 0.5:
                reason = "hearing"
            else:
                reason = "expert-review" if r < 0.8 else "extension"
        attributes: dict[str, Any] = {"legal_basis": item.legal_basis}
        if item.discretion:
            heavy = reason == "hearing"
            u = rng.random()
            names = [c for c, _p in _CIRCUMSTANCES]
            cumulative = list(accumulate(p for _c, p in _CIRCUMSTANCES))
            circumstance = names[min(bisect_right(cumulative, u), 3)]
            if heavy and circumstance in ("轻微", "一般"):
                circumstance = "较重"
            bench = next(b for b in item.discretion if b.circumstance == circumstance)
            lo, hi = int(bench.fine_min) // 100, int(bench.fine_max) // 100
            if kind != "discretion":
                fine = rng.between(lo, hi) * 100
            else:  # 超出裁量基准: fined below or above the range of the circumstance it names
                span = max(1, hi - lo)
                below = lo > 0 and (circumstance == "严重" or rng.random() < 0.5)
                fine = (
                    rng.between(max(0, lo - span), lo - 1) if below else rng.between(hi + 1, hi + span)
                ) * 100
            measures = [*bench.measures, f"罚款{fine}元"] if fine else [*bench.measures, "警告"]
            attributes |= {
                "decision": "；".join(dict.fromkeys(measures)),
                "fine": f"{fine}.00",
                "clause": bench.clause,
                "circumstance": circumstance,
            }
            if heavy or (circumstance in ("较重", "严重") and fine >= 10000 and rng.random() < 0.4):
                steps.insert(steps.index("decide"), "hearing")
        else:
            attributes["decision"] = spec.decision or "采取行政强制措施"
        plan = self._lay_out(steps, self._duration(kind, item, 0.5), ctx)
        index = {e[0]: i for i, e in enumerate(plan)}
        plan[0][3] = {"case_source": rng.pick(_CASE_SOURCES)}
        plan[index["decide"]][3] = attributes
        if kind == "suspended":
            days = rng.between(5, 15) if reason != "expert-review" else rng.between(5, 20)
            at = {"hearing": "hearing", "expert-review": "investigate", "extension": "decide"}[str(reason)]
            self._suspend(plan, index[at], str(reason), days)
        elif kind == "irregular":
            self._irregular(
                plan, ctx, ("investigate", "inform"), ("decide", ("register",)), ("decide",), "decide"
            )
        elif ctx.rollback and rng.random() < 0.08:
            self._return(plan, ctx.rollback[0], ctx.rollback[1], "证据不足，退回补充调查")
        return plan

    def _suspend(self, plan: _Plan, k: int, reason: str, days: int, action: str = "suspend") -> None:
        """Stop the clock for `days` working days while the case is at plan[k]'s step."""
        rng = self.rng
        step = plan[k][0]
        end = plan[k + 1][2] if k + 1 < len(plan) else plan[k][2]
        at = rng.between(plan[k][2], end)
        for e in plan[k + 1 :]:
            e[2] += days
        plan[k + 1 : k + 1] = [
            [step, action, at, {"reason": reason}, None],
            [step, "resume", at + days, {}, None],
        ]

    def _return(self, plan: _Plan, from_step: str, to_step: str, reason: str) -> None:
        """At `from_step` the case goes back to `to_step`; the steps between are done again. The
        case first reaches `from_step`, whose post examines it (审查, or 法制审核 before a penalty
        decision) and sends it back, so the move is judged from `from_step`."""
        rng = self.rng
        j = next(i for i, e in enumerate(plan) if e[0] == from_step)
        i = next((i for i, e in enumerate(plan) if e[0] == to_step), 0)
        lo, hi = plan[j - 1][2], plan[j][2]
        at = rng.between(lo, hi)
        redo = [[e[0], e[1], 0, dict(e[3]), None] for e in plan[max(i, 1) : j]]
        for e, o in zip(redo, sorted(rng.between(at, hi) for _ in redo), strict=True):
            e[2] = o
        plan[j:j] = [
            [from_step, "review", at, {"opinion": reason}, None],
            [from_step, "return", at, {"to_step": to_step, "reason": reason}, None],
            *redo,
        ]

    def _irregular(
        self,
        plan: _Plan,
        ctx: _Ctx,
        skippable: tuple[str, ...],
        rollback: tuple[str, tuple[str, ...]],
        post_steps: tuple[str, ...],
        decision: str,
    ) -> None:
        rng = self.rng
        how = rng.below(4)
        if how == 0:  # a required step skipped
            skip = rng.pick(skippable)
            plan[:] = [e for e in plan if e[0] != skip]
        elif how == 1:  # a rollback the process does not list
            self._return(plan, rollback[0], rng.pick(rollback[1]), "领导要求重新办理")
        elif how == 2:  # an actor in a post not allowed at the step
            at = rng.pick(post_steps)
            e = next(e for e in plan if e[0] == at)
            e[4] = rng.pick([p for p in ctx.item.posts if p not in ctx.posts[e[0]]])
        else:  # a decision without its legal basis
            e = next(e for e in plan if e[0] == decision)
            e[3] = {k: v for k, v in e[3].items() if k != "legal_basis"}

    # -- emitting --------------------------------------------------------------------------------
    def _emit(
        self, plan: _Plan, ctx: _Ctx, case_no: str, day: int, ws: int, *, same_minute: bool = False
    ) -> list[dict[str, Any]]:
        """Times for the planned events, cut at now; the first is at or after the receipt. With
        `same_minute` the events of one day are seconds apart, all in the minute of the first."""
        rng = self.rng
        last = len(self.days) - 1
        # The first event: within half an hour of the receipt, or (approvals) the next working day.
        if ctx.penalty or (ws < _WORK_SECONDS - 2400 and rng.random() < 0.8):
            start, first_ws = day, min(ws + rng.between(60, 1800), max(ws + 1, _WORK_SECONDS - 1))
        else:
            start, first_ws = day + 1, rng.below(4 * 3600)
        timed: list[tuple[int, int]] = []
        prev_day, prev_ws = -1, -1
        for e in plan:
            d = start + e[2]
            if not timed:
                w = first_ws
                if same_minute and w % 60 > 20:  # room for the rest of the minute
                    w = (w // 60 + 1) * 60 + rng.below(10)
            elif same_minute and d == prev_day:
                w = prev_ws + rng.between(1, 8)
            elif d == prev_day:
                w = prev_ws + rng.between(60, 2400)
                if w >= _WORK_SECONDS:
                    w = max(prev_ws + 1, _WORK_SECONDS - 1)
            else:
                w = rng.below(5 * 3600)
            if d > last or self.day_ord[d] * 86400 + _work_to_clock(w) > self.now_key:
                if not timed:  # accepted between the receipt and now instead
                    cap = _clock_to_work(self.now_clock) if self.days[day] == self.now_day else _WORK_SECONDS
                    d, w = day, ws + int(rng.random() * (cap - ws))
                    timed.append((d, w))
                break
            timed.append((d, w))
            prev_day, prev_ws = d, w
        actors: dict[str, str] = {}
        out = []
        for k, ((d, w), e) in enumerate(zip(timed, plan, strict=False), start=1):
            post = e[4] or (ctx.posts[e[0]][0] if len(ctx.posts[e[0]]) == 1 else rng.pick(ctx.posts[e[0]]))
            actor = actors.get(post)
            if actor is None:
                actor = actors[post] = rng.pick(self.staff[ctx.dept_code, post])
            c = _work_to_clock(w)
            out.append(
                {
                    "source_system": ctx.source_system,
                    "event_id": f"{case_no}-{k:02d}",
                    "case_no": case_no,
                    "item_code": ctx.item.code,
                    "step": e[0],
                    "action": e[1],
                    "actor": actor,
                    "post": post,
                    "occurred_at": f"{self.day_iso[d]}T{c // 3600:02d}:{c // 60 % 60:02d}:{c % 60:02d}+08:00",
                    "attributes": e[3],
                }
            )
        return out


def build_demo(calendar: WorkCalendar, now: datetime, *, seed: int = 2026, cases: int = 20_000) -> DemoData:
    """The demo city, its catalogue and `cases` cases received in the 90 days before `now`.

    Pure and deterministic: the same calendar, `now`, seed and count give identical data. A naive
    `now` is read as Asia/Shanghai local time. Events are ordered by `occurred_at`; none is later
    than `now`.
    """
    if cases < 0:
        raise ValueError("cases must not be negative")
    return _Generator(calendar, now, seed).build(cases)
