"""The words and tables synthetic projects are made of: people's names, brands, roads and parks,
the project templates (name pattern, categories, industry, department, weights by level,
investment bounds), the reasons for plan revisions and withdrawals, report notes, milestones.

Shared by the demo seed (`seed.demo`) and the benchmark dataset (`seed.dataset`) through the
generator (`seed.synthetic`).
"""

from __future__ import annotations

from dataclasses import dataclass

from projects.choices import MilestoneKind

# key → department name (区县 level; every district has them).
DEPARTMENTS = {
    "fgj": "发展和改革局",
    "zrzy": "自然资源和规划局",
    "zjj": "住房和城乡建设局",
    "sthj": "生态环境局",
    "gxj": "工业和信息化局",
    "jtj": "交通运输局",
    "jyj": "教育和体育局",
    "wjj": "卫生健康局",
    "swj": "商务局",
}


def _words(text: str) -> list[str]:
    return text.split()


SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
    "贾丁魏薛叶阎潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段钱"
)
GIVEN_FIRST = "建志海晓立文振国红永德云思晨博雨子浩一嘉春秀玉桂明新伟世宏家俊天鹏瑞"
GIVEN_SECOND = "国强涛东新静华庆梅刚胜飞远曦文欣涵然鸣怡燕英兰军杰明超磊洋勇峰辉平敏宁"

BRANDS = _words(
    "海创 青芯 蓝海 东方智造 瑞源 鲁青 华通 中科海 海纳 卓越 凯博 远洋 潮汐 瀚海 星辰 "
    "润泽 恒信 金桥 新航 泰和 博远 启明 海图 云帆 中车 正泰 汇川 海尔 双星 赛轮"
)
ROADS = _words(
    "香港东路 长江路 黑龙江路 重庆路 青威路 海尔路 辽阳路 唐岛湾路 滨海大道 胶州湾大道 "
    "李村河路 烟台路 昌平路 青新高速连接线 环湾路"
)
PARKS = _words("智能制造 高端装备 新材料 生物医药 海洋科技 绿色低碳 数字经济 航空航天")

# Project name patterns: pattern | category codes | industry | responsible department |
# weights at the three levels (省 市 区) | total investment bounds in 万元 (log-uniform).
TEMPLATE_TABLE = """
{brand}新能源汽车零部件智能制造项目 | manufacturing four_new industrial_chain | 汽车制造业 | gxj | 3 4 3 | 20000 600000
{place}{park}产业园（{phase}） | manufacturing investment_attraction | 通用设备制造业 | gxj | 3 5 4 | 30000 800000
{brand}集成电路封装测试基地项目 | four_new manufacturing industrial_chain | 计算机、通信和其他电子设备制造业 | gxj | 4 3 1 | 50000 1500000
{brand}锂电池储能系统生产基地项目 | four_new manufacturing | 电气机械和器材制造业 | gxj | 3 4 2 | 30000 900000
{place}海上风电装备制造基地 | four_new manufacturing provincial_preferred | 专用设备制造业 | gxj | 4 2 1 | 80000 1200000
{place}分布式光伏发电项目 | four_new new_infrastructure | 电力、热力生产和供应业 | fgj | 1 3 6 | 5000 80000
{brand}生物医药产业园项目 | four_new manufacturing investment_attraction | 医药制造业 | gxj | 3 4 3 | 30000 600000
{brand}智算中心项目 | new_infrastructure four_new | 互联网和相关服务 | gxj | 3 3 2 | 50000 700000
{place}5G基站及智慧杆塔建设工程 | new_infrastructure | 电信、广播电视和卫星传输服务 | gxj | 0 2 6 | 3000 30000
{brand}智能化技术改造项目 | technical_renovation manufacturing | 橡胶和塑料制品业 | gxj | 0 3 7 | 5000 120000
{place}片区城市更新项目 | livelihood infrastructure major_construction | 房屋建筑业 | zjj | 1 4 5 | 20000 500000
{place}老旧小区改造工程 | livelihood | 房屋建筑业 | zjj | 0 2 8 | 3000 40000
{place}保障性租赁住房项目 | livelihood | 房地产业 | zjj | 0 3 7 | 10000 120000
{district}第{n}中学新建工程 | livelihood | 教育 | jyj | 0 3 7 | 8000 60000
{place}实验小学扩建工程 | livelihood | 教育 | jyj | 0 2 8 | 4000 30000
{district}人民医院新院区建设项目 | livelihood major_construction | 卫生 | wjj | 1 5 4 | 30000 300000
{place}社区卫生服务中心建设项目 | livelihood | 卫生 | wjj | 0 1 9 | 2000 15000
{road}（{place}段）道路拓宽改造工程 | infrastructure | 道路运输业 | jtj | 1 4 5 | 8000 200000
{place}污水处理厂提标改造工程 | infrastructure livelihood | 水的生产和供应业 | sthj | 0 3 7 | 5000 80000
{place}冷链物流园项目 | investment_attraction | 仓储业 | swj | 1 4 5 | 15000 200000
{brand}总部经济大厦项目 | investment_attraction | 商务服务业 | swj | 1 4 5 | 20000 250000
{place}文旅康养综合体项目 | investment_attraction | 文化艺术业 | swj | 1 3 6 | 20000 300000
"""  # noqa: E501


@dataclass(frozen=True)
class Template:
    pattern: str
    categories: tuple[str, ...]
    industry: str
    department: str
    level_weights: tuple[int, ...]  # provincial, city, district
    investment: tuple[int, ...]  # low, high (万元)


TEMPLATES = [
    Template(p, tuple(c.split()), i, d, tuple(map(int, w.split())), tuple(map(int, b.split())))
    for p, c, i, d, w, b in (
        [cell.strip() for cell in line.split("|")] for line in TEMPLATE_TABLE.strip().splitlines()
    )
]

REVISION_REASONS_DOWN = (
    "受用地报批进度影响，调减年度计划。",
    "融资到位延迟，调整建设时序，调减年度计划。",
    "规划方案调整，部分工程顺延至明年实施。",
    "设备进口周期延长，调减年度投资计划。",
)
REVISION_REASONS_UP = (
    "项目加快推进，设备采购提前，调增年度计划。",
    "新增二期建设内容，调增年度计划。",
)
WITHDRAWAL_REASONS = (
    "投资方资金链紧张，项目无法按期推进，申请退库。",
    "项目选址与国土空间规划不符，经研究调出重点项目库。",
    "企业战略调整，项目终止实施。",
    "项目已并入同区域其他项目统一建设，申请退库。",
)
REPORT_NOTES = (
    "主体结构施工中",
    "设备安装调试",
    "桩基施工完成",
    "室外配套工程施工",
    "二次结构施工",
    "钢结构吊装",
    "",
    "",
    "",
)
FRONT_MILESTONES = (
    (MilestoneKind.PROJECT_APPROVAL, "立项（备案）", "fgj", 200),
    (MilestoneKind.LAND, "用地手续办理", "zrzy", 150),
    (MilestoneKind.PLANNING_PERMIT, "建设工程规划许可", "zrzy", 80),
    (MilestoneKind.CONSTRUCTION_PERMIT, "施工许可", "zjj", 20),
)
BUILD_MILESTONES = ("基础工程完工", "主体结构封顶", "设备安装调试", "竣工验收")
