"""Name tables of the demo city 澜海市 (fictional, in the style of Chinese place and road names)."""
from __future__ import annotations

CITY = ("澜海市", "Lanhai")
RIVER = ("澜江", "Lan River")

# Districts by grid cell (column west→east, row south→north).
DISTRICTS = {
    (0, 0): ("南塘区", "Nantang"), (1, 0): ("海澄区", "Haicheng"), (2, 0): ("新港区", "Xingang"),
    (0, 1): ("西山区", "Xishan"), (1, 1): ("中城区", "Zhongcheng"), (2, 1): ("临江区", "Linjiang"),
    (0, 2): ("北岭区", "Beiling"), (1, 2): ("紫阳区", "Ziyang"), (2, 2): ("东湖区", "Donghu"),
}

# North–south roads are named after mountains, east–west roads after rivers.
NS_ROADS = (
    ("燕山路", "Yanshan Road"), ("泰山路", "Taishan Road"), ("华山路", "Huashan Road"),
    ("衡山路", "Hengshan Road"), ("嵩山路", "Songshan Road"), ("黄山路", "Huangshan Road"),
    ("庐山路", "Lushan Road"), ("峨眉路", "Emei Road"), ("武夷路", "Wuyi Road"),
    ("天目路", "Tianmu Road"), ("雁荡路", "Yandang Road"), ("普陀路", "Putuo Road"),
)
EW_ROADS = (
    ("汉江路", "Hanjiang Road"), ("湘江路", "Xiangjiang Road"), ("赣江路", "Ganjiang Road"),
    ("闽江路", "Minjiang Road"), ("珠江路", "Zhujiang Road"), ("漓江路", "Lijiang Road"),
    ("钱塘路", "Qiantang Road"), ("淮河路", "Huaihe Road"), ("嘉陵江路", "Jialingjiang Road"),
    ("松花江路", "Songhuajiang Road"),
)
RING_ROAD = ("内环快速路", "Inner Ring Expressway")
RIVERSIDE_ROAD = ("滨江大道", "Binjiang Avenue")
DIAGONALS = (("澜海大道", "Lanhai Avenue"), ("新港大道", "Xingang Avenue"))
CITY_LIMIT = ("城界", "city limits")

STATION_PLACES = (
    ("奥体中心", "Olympic Sports Centre"), ("江心洲", "Jiangxinzhou"), ("月牙湖", "Yueyahu"),
    ("龙王山", "Longwangshan"), ("翠屏山", "Cuipingshan"), ("明湖", "Minghu"), ("桃源", "Taoyuan"),
    ("青石桥", "Qingshiqiao"), ("云台", "Yuntai"), ("凤栖", "Fengqi"), ("锦绣苑", "Jinxiuyuan"),
    ("白鹭洲", "Bailuzhou"), ("梧桐里", "Wutongli"), ("紫荆园", "Zijingyuan"),
    ("清水塘", "Qingshuitang"), ("金沙湾", "Jinshawan"), ("望江楼", "Wangjianglou"),
    ("鹿鸣", "Luming"), ("北固", "Beigu"), ("玉泉", "Yuquan"), ("石门", "Shimen"),
    ("兰亭", "Lanting"), ("松岗", "Songgang"), ("枫林", "Fenglin"), ("柳巷", "Liuxiang"),
    ("竹园", "Zhuyuan"), ("荷塘", "Hetang"), ("芳草园", "Fangcaoyuan"), ("星河湾", "Xinghewan"),
    ("海棠苑", "Haitangyuan"), ("碧波", "Bibo"), ("春江", "Chunjiang"), ("观澜", "Guanlan"),
    ("大学城", "University Town"), ("高新园", "Hi-Tech Park"), ("澜海港", "Lanhai Port"),
    ("火车站", "Railway Station"), ("开发区", "Development Zone"), ("市政府", "City Hall"),
    ("科技城", "Science City"), ("湿地公园", "Wetland Park"), ("植物园", "Botanical Garden"),
    ("体育馆", "Gymnasium"), ("老城厢", "Old Town"), ("东关", "Dongguan"),
)

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚"
