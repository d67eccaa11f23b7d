"""The move detector on realistic agent messages, with the real lexicon and the real segmenter.

Each table reads as data: a message as a candidate types it in the exam room, and what the
detector must (or must not) find in it. The cases cover paraphrases, colloquial 客服 language,
emoji, full- and half-width punctuation, typos and negation, so that an edit to a cue file that
helps one sentence and breaks another shows up here. The last section checks the matching rules
themselves on a tiny hand-made lexicon.
"""

from __future__ import annotations

import dataclasses
import random
import unicodedata

import pytest

from bot.core.detector import (
    CLAUSE_ENDS,
    NEGATION_WINDOW,
    PARTICLES,
    Analysis,
    Hit,
    MoveDetector,
    _nfkc,
    _words_before,
    normalize,
)
from bot.core.lexicon import Lexicon, ViolationCue
from bot.core.moves import AFTERSALE_MOVES, ALL_MOVES, PRESALE_MOVES
from bot.nlp.lexicon_loader import default_detector
from tests.core.test_cues import labelled_texts


@pytest.fixture(scope="module")
def detector() -> MoveDetector:
    return default_detector()


def table(cases: dict[str, list[str]]) -> list:
    """Flatten {move: [messages]} into parametrize rows with short ids (greet-0, greet-1, …)."""
    return [
        pytest.param(move, text, id=f"{move}-{i}")
        for move, texts in cases.items()
        for i, text in enumerate(texts)
    ]


def numbered(name: str, rows: list) -> list[str]:
    """Short ids for a table (pytest would escape the Chinese text of the rows)."""
    return [f"{name}-{i}" for i in range(len(rows))]


# ---------------------------------------------------------------------------------------------
# Moves: messages that perform the move
# ---------------------------------------------------------------------------------------------

PERFORMS = {
    "greet": [
        "亲，您好～欢迎光临小鹿女装，我是客服阿青，有什么可以帮您的呢？",
        "亲，您好!",
        "亲,您好！",
        "您好，在的",
        "在的亲",
        "在的亲，您好像很着急",
        "在呢在呢～",
        "亲亲在的哦😊",
        "在哒，亲想看哪款呢",
        "在得亲，您说",  # typo for 在的
        "哈喽～欢迎光临",
        "哈喽亲亲～在的呢",
        "Hello亲，欢迎光临本店",
        "ＨＥＬＬＯ～",
        "hi～ 在的呢",
        "你好呀",
        "早上好亲，很高兴为您服务",
        "晚上好，客服小美为您服务",
        "欢迎来到疾风运动旗舰店",
        "欢迎光顾本店～",
        "我是客服小鹿，请问有什么可以帮到您？",
        "请问有什么需要帮助的吗",
        "亲，有什么可以为您效劳的吗",
        "亲 在的 有什么需要帮助的吗",
        "您好！我是本店客服小雨，有什么问题都可以问我哦",
        "亲，您好，这边是售前客服，很荣幸为您服务",
        "在，您说",  # answering 在吗
        "在！请问需要点什么",
        "来啦来啦～您说",
    ],
    "inquire": [
        "好的呢，请问您平时穿什么尺码？身高体重方便说一下吗？喜欢什么颜色呀",
        "请问是您自己穿吗？",
        "请问是自己穿还是送人呢",
        "亲，这款耳机是给自己用还是送人呢？",
        "请问您是买给家里老人用的吗",
        "您是想送给男朋友的吗",
        "您平时穿多大码的衣服呀",
        "您穿什么码数",
        "您一般穿几码的鞋",
        "亲，您的身高体重大概是多少呢？",
        "身高体重多少呀亲",
        "您的脚长大概是多少厘米呢",
        "宝宝今年几岁啦？",
        "宝贝几个月大了呢，体重多少？",
        "预算大概多少呢",
        "您的预算是多少呀？",
        "请问您的预算在什么范围呢？",
        "您喜欢什么风格的呢",
        "请问您比较喜欢深色还是浅色呀",
        "喜欢宽松一点还是修身一点？",
        "亲想要长款还是短款呢",
        "请问您是什么肤质呢，干皮还是油皮？",
        "您是油性皮肤还是干性皮肤呀",
        "主要是在什么场合穿呢",
        "请问您平时主要用来听歌还是打游戏呢",
        "您一般在什么环境下使用呢，室内还是户外",
        "请问您平时一周跑几次、每次跑多远呢？一般穿多大码，脚背高不高？",
        "请问您想要哪个颜色的呢",
        "方便透露一下您的体重吗",
        "亲，能说下您的身高和体重吗？我帮您参考尺码",
        "您看中的是哪款呢？",
        "请问需要几件呢",
        "亲对材质有什么要求吗",
        "您比较在意透气性还是保暖呢",
        "请问房间面积大概多大呢",
        "您之前有用过我们家的产品吗",
        "亲，您拍下了但还没付款，是有什么顾虑吗？",
        "亲，方便问下您平时的鞋码吗",
        "您的脚偏宽还是偏窄？",
        "请问您家几口人呀？",
        "您更看重续航还是音质？",
        "是送男朋友的吗？",
        "亲，您家的床是1.5米还是1.8米的呢",
    ],
    "recommend": [
        "那推荐您这款双排扣卡其风衣，M码刚好合适，面料防泼水，下雨天通勤也不怕，版型显瘦哦",
        "根据您的身高体重，建议您拍M码",
        "按您的身高体重，穿XL码会比较合适",
        "亲，您这个身材穿M码刚好合适",
        "165穿M码就可以啦",
        "这双鞋偏大一码，建议拍小一码",
        "这款是纯棉的，透气不闷热，夏天穿很舒服",
        "这款很适合您哦，百搭又显瘦",
        "可以看看这款，是我们家的爆款",
        "亲可以看下这款，功能一样价格还更低",
        "您脚背偏高的话选这款正好，鞋面是弹力飞织，不压脚背",
        "给您推荐我们家卖得最好的这款，回购率很高",
        "这款是我们家的销量冠军，很多顾客回购",
        "这双跑鞋中底缓震好，跑五公里也不累",
        "可以再搭配一条同色系腰带，更好看哦",
        "这款性价比很高，闭眼入～",
        "我不太推荐L码，建议您选M码",
        "亲可以考虑一下这款雾蓝色，显白",
        "亲，这款适合160左右的身高穿",
        "亲亲，送女朋友的话这款很合适",
        "这款保温杯是316不锈钢的，保温12小时，冬天上班带着很方便",
        "亲，这款礼盒是烫金硬盒，配手提袋，送长辈很体面",
        "这款在您的预算内，功能也都有",
        "这款是新款，面料很软很亲肤，不起球",
        "您的情况选这款就对了，不挑肤质，敏感肌也能用",
        "162/105斤穿M码会比较合身，腰线不会勒",
        "这款有宽版，选42宽版就行，脚宽穿着不挤",
        "1.8米床的话选2.0m床单款",
        "白色鞋面可以直接湿布擦，很好打理",
        "这款延迟很低，打游戏基本感觉不到",
        "两种比的话，5kg装更划算",
        "建议您先拍M码试试",
        "这款就挺不错的，很多回头客",
        "这款正好满足您的需求",
    ],
    "negotiate": [
        "理解您的想法哈，这已经是活动价了，不过今天下单可以送您运费险，还包邮哦",
        "亲，已经是最低价了",
        "亲，价格已经是最低了，一分价钱一分货",
        "这款已经是今年最低的价格了亲",
        "不好意思亲，实在不能再便宜了",
        "这个价格真的不能再少了哦",
        "价格这块确实没办法再降了，但我们品质是有保障的",
        "我们家是不议价的哦，价格都是统一的",
        "亲，我们家都是一口价的，还请谅解",
        "实在不好意思，价格是公司定的，我这边没有权限改价",
        "亲，这款目前没有优惠活动哦",  # holding the price is bargaining too
        "可以给您包邮哦",
        "可以给您免运费哦",
        "下单送您一条同色系发带",
        "给您送一份试用装，您看可以吗",
        "您可以先领一张满300减20的店铺优惠券",
        "领券下单更划算哦",
        "两件打9折哦亲",
        "亲，现在有活动，第二件半价哦",
        "我帮您跟店长申请一下，看能不能便宜10元",
        "给您改价到369元，您看可以吗",
        "现在买一送一，很划算的",
        "这款质量对得起价格的，物有所值",
        "亲，这个价格已经很实惠了😊",
        "亲，我们的价格已经很实在了，用料做工都是很好的",
        "价钱方面真的没办法了亲，利润很薄",
        "我们送运费险，收到不满意也可以退",
        "亲，这已经是活动价了哦",
        "现在下单还送同系列洁面小样",
        "今天下单送一个蒸笼格",
        "我再给您便宜10元",
        "亲，价格这边改不了哦，不过可以送你一个保护套",
        "全网最低价了，买到就是赚到",  # a red line, and still holding the price
        "给五星好评返现20元给您",  # a red line, and still a perk offered
        "还可以免费帮您写一张贺卡",
        "这个价真的很划算了亲",
        "现在是活动价哦，过了活动就涨回去了",
    ],
    "verify": [
        "感谢支持！跟您核对一下：卡其色M码一件，收货地址是长沙市岳麓区XX路18号，电话138****5678，对吗？",
        "亲，跟您确认一下订单信息哦",
        "雾蓝色M码一件，收货地址和电话以订单为准，请您确认哦",
        "您拍的是黑白色42码对吧",
        "亲，您拍的颜色是粉色哦，确定是要粉色吗？",
        "麻烦您核对一下收货地址",
        "地址没问题的话我们就给您安排发货了",
        "看到您已经拍下了，颜色尺码都没问题哦",
        "收件人是王女士，电话尾号5678，对吗",
        "您好，您的订单是白色M码两件，确认无误吗？",
        "请问需要修改地址吗",
        "您看下收货地址是不是最新的？",
        "信息无误的话今天就发出",
        "亲，发票需要开吗？抬头是个人还是公司",
        "收到，地址是您订单上那个吧？",
        "请问需要在生日前哪天送到呢？",
    ],
    "farewell": [
        "感谢您的支持，祝您购物愉快，欢迎下次光临",
        "欢迎下次光临～",
        "欢迎下次光顾",
        "欢迎您下次再来哦",
        "好的亲，拜拜～",
        "再见亲，祝您生活愉快",
        "感谢惠顾，期待您再次光临",
        "谢谢亲的支持么么哒",
        "感谢您一直以来的支持",
        "有需要随时找我哦",
        "没关系的亲，欢迎常来逛逛",
        "不客气的亲，有空常来逛逛哈",
        "祝您跑步愉快～",
        "那就不打扰您啦，再见",
        "亲，您这边先看看，我不打扰啦",
        "好哒，感谢亲的信任，欢迎再来哦",
        "好的，明天发货，谢谢",  # a closing thanks with no goodbye
        "下单后我们尽快给您发出，感谢支持～",
        "谢谢亲的支持～",
        "好的亲，那您先忙～",
        "好的亲，已经给您备注好了，感谢您的理解",
    ],
    "follow_up": [
        "发货后会第一时间通知您，收到有任何问题随时联系我们",
        "已经给您发货了，物流单号是SF123456",
        "亲，您的宝贝已经发出了，快递单号：YT123456，注意查收哦",
        "您的包裹已经签收了，使用中有什么问题随时联系我们哦",
        "亲，您拍下的宝贝还没付款哦，库存不多了，记得尽快付款",
        "亲，订单还没有付款哦，活动今晚结束",
        "亲，您还有一笔订单没有付款哦，需要帮您保留吗？",
        "亲，这款宝贝库存只剩3件了，喜欢的话尽快下单哦",
        "收到后满意的话麻烦给个好评哦",
        "亲，快递已经到您所在的城市了，预计今天派送",
        "有进展我第一时间通知您",
        "亲，衣服穿着怎么样，还满意吗",
        "亲，您收到的衣服穿着还合适吗？",
        "我会帮您跟进的，有结果马上告诉您",
        "我明天会再联系您，告诉您处理结果",
        "亲，看到您加购了还没下单，现在下单有优惠哦",
        "亲，换的新品收到了吗？合适吗",
        "亲，您说的问题我已经记录下来，会反馈给相关部门",
        "发货后我把物流单号发给您",
        "亲，您的包裹已经发出了，预计明天送达，给您同步一下～",
        "单号出来我第一时间发您",
        "收到有问题随时联系",
        "处理好了我通知您",
        "亲，活动赠品数量有限，付款后才能锁定哦",
        "退款到账后我再跟您确认一下",
    ],
    "apologize": [
        "非常抱歉给您带来不便",
        "不好意思让您久等了",
        "对不起亲，是我们的失误",
        "实在抱歉，给您添麻烦了",
        "真的很抱歉，让您失望了",
        "这是我们工作的疏忽，向您致歉",
        "sorry亲，刚才回复慢了",
        "对不起，给您造成困扰了",
        "抱歉让您这么生气，是我们没做好",
        "您好，抱谦，麻烦提供下订单号",  # a common typo
    ],
    "empathize": [
        "理解您的心情",
        "我非常理解您现在着急的心情",
        "我明白您的感受，换了谁都会着急的",
        "换做是我也会很生气的",
        "理解理解，收到的东西不满意肯定心里不舒服",
        "亲，您先别着急，我马上帮您处理",
        "亲，您先不要着急，事情我们一定会处理好的",
        "不用担心，我们会负责到底",
        "遇到这种情况确实很糟心",
        "谢谢您的反馈，您说得对",
        "能理解您，收到破损的东西肯定不开心",
        "消消气亲，我们一起来解决",
        "辛苦您等了这么久",
        "亲亲理解的～学生党预算有限很正常",
        "可以理解的，给宝宝买推车是大事",
        "您有这个顾虑特别正常，谨慎一点是对的",
        "期待了半天打开是碎的，肯定特别扫兴",
        "计划有变确实挺遗憾的",
        "换了我也会不高兴的",
        "您说的没错，确实是我们做得不够好",
        "让您担心了",
        "货比三家很正常的，谨慎一点好",
    ],
    "clarify": [
        "麻烦您提供一下订单号和商品照片",
        "亲，您方便提供下订单号吗",
        "请问是哪个部位有问题呢？",
        "方便拍个照片给我看看吗",
        "您是说收到的时候就已经破了吗",
        "请问您是什么时候收到的呢",
        "具体是什么情况呢，亲可以描述一下吗",
        "您主要是担心质量问题吗",
        "亲，是尺码不合适还是质量问题呢？",
        "您说的尺码不合适，是偏大还是偏小呢",
        "亲，您说的少发是指少了哪一件呢",
        "请问收到的时候外包装有破损吗",
        "请问快递员派送的时候有没有当面验货呢",
        "我帮您核实一下订单",
        "麻烦您发一下破损处的视频",
        "麻烦亲拍一下商品的吊牌和破损处",
        "哪个客服？",
        "方便问下您看到的那款乳胶含量是多少吗？",
        "您觉得家里人会比较在意哪方面呢？",
        "请问是哪里坏了呢",
        "收到的时候包装完好吗",
        "麻烦把漏水的地方拍一张照片给我",
    ],
    "explain": [
        "因为最近是物流高峰期，快递有些延误",
        "新衣服有轻微气味属于正常现象，通风晾一下就好",
        "图片和实物可能因为光线有一点色差",
        "亲，这个色差是由于拍摄灯光导致的，属于正常范围",
        "我们家所有商品都是品牌授权的正品，可以提供检测报告",
        "经核实，您的包裹在中转站滞留了",
        "经查询，您的快递因为天气原因延误了",
        "系统显示您的包裹昨天已经签收",
        "是这样的亲，尺码是手工测量，会有1-2厘米误差",
        "其实这个面料洗后会更柔软",
        "这个是系统的原因，订单信息没有同步",
        "亲，是的，这个属于质量问题",
        "查了下，包裹在郑州转运中心滞留了，应该是最近那边件多",
        "下面小字写了“送同款体验装”",
        "主图仅供参考，以实物为准",
        "穿过了不能退",
        "七天无理由退货的退回运费是买家承担的",
        "退货地址在申请页面上",
        "24小时内退回原支付账户",
        "空气炸锅比烤箱快，不用预热",
        "这款3.5L的跟电饭煲差不多大，不占地方",
        "那可能是去年的老款，今年这款是新升级的",
        "上网课、看书够用了",
        "保修期内上门和维修都是免费的，人为损坏的除外",
        "活动价到本周日都有效",
        "按用三年算，一天也就多几分钱",
        "这款用的是食品级304不锈钢，不会生锈",
        "已经发了，还在路上",
        "这不是质量问题，是洗涤方式不对导致的",  # a negator does not undo a fact
        "一般来说，新衣服会有一点味道，通风一两天就散了",
        "我们是官方旗舰店，货都是品牌直供的",
        "这个码数是偏小的",
    ],
    "remedy": [
        "给您补发一件新的",
        "可以给您退款，也可以换货",
        "退货运费由我们承担",
        "给您重新补发一件，运费我们出",
        "给您补偿一张10元无门槛优惠券",
        "我马上帮您联系快递催一下",
        "亲，我已经帮您催促快递了",
        "亲，我帮您申请仅退款",
        "给您换一件新的，重新发顺丰",
        "我们给您安排上门取件，免费换新",
        "给您退差价20元",
        "给您两个方案：一是退货退款，二是换一件新的",
        "给您寄一个新的配件，免费的",
        "亲，根据法律规定，质量问题我们是可以包退包换的",
        "亲，您可以先试用几天，不满意再退",
        "亲，这个问题我需要跟主管申请一下，稍后答复您",
        "我这边给快递发催件工单",
        "丢了的话会给您补发或者退款的",
        "退可以，运费你自己出",
        "我私下把钱退给您",  # a red line, and still a remedy
        "亲亲可以用花呗分12期，而且12期免息哦",
        "那也可以看看这款64G的",
        "我们店支持30天试睡，睡着不满意可以退",
        "我们店这款是承诺假一赔十的",
        "现在购买店铺还送一年延保",
        "我们承担来回运费",
    ],
    "legal": [
        "根据消费者权益保护法第二十五条，您可以七天无理由退货",
        "我们支持7天无理由退换",
        "您放心，咱们支持七天无理由退换货",
        "按照平台规定，质量问题的退货运费由商家承担",
        "这款是定制商品，不支持七天无理由退货",  # citing the exception is citing the law
        "运输途中的风险由我们承担，您放心",
        "假一赔三，您的权益我们一定保障",
        "您的合法权益我们一定会保障的",
        "依据电子商务法第二十条，运输风险由卖家承担",
        "按消费者权益保护法规定，欺诈的话是退一赔三",
        "如果我们处理不好，您也可以拨打12315维权",
    ],
    "confirm": [
        "您看这样处理可以吗？",
        "给您补发一件，您看行吗",
        "您看给您补发一件行不行",
        "退10元差价给您，这样可以吗",
        "亲，那您看能接受换货吗",
        "如果您同意的话我这边马上操作",
        "这个处理方式您是否满意呢",
        "还有其他问题吗？",
        "您还有别的问题吗？",
        "您觉得这个方案怎么样",
        "给您退款，好吗？",
        "好哒，跟您确认下：灰色婴儿推车一台，满减后859，对吗？",  # an objection settled by an order
        "这样安排您意下如何？",
        "还有别的需要吗",
        "您还有什么疑问吗？",
    ],
}


@pytest.mark.parametrize(("move", "text"), table(PERFORMS))
def test_message_performs_move(detector, move, text):
    assert move in detector.analyze(text).moves, text


# ---------------------------------------------------------------------------------------------
# Moves: messages that look close but do not perform the move
# ---------------------------------------------------------------------------------------------

DOES_NOT_PERFORM = {
    "greet": [
        "欢迎下次光临",  # a farewell, not a welcome
        "欢迎您下次再来",
        "欢迎下次光顾",
        "您好像很着急",  # 您好 inside 您好像
        "现在的价格是259元",  # 在的 inside 现在的
        "在路上了，预计明天到",  # 在 starts a word here, not an answer to 在吗
        "货来了就给您发",
        "我在帮您查物流",
        "感谢您的支持，再见",
    ],
    "inquire": [
        "根据您的身高体重，推荐您穿M码",  # uses the answer, asks nothing
        "这款是纯棉的，透气不闷热",
        "送给您一个小礼物哦",
        "亲，这已经是活动价了",
        "尺码表在详情页第三张图",
        "亲，有什么可以帮您的呢？",  # offering help is a greeting, not finding the need
        "亲，您好，请问有什么可以帮您？",
        "感谢您的支持",
        "有货的亲",
        "如果付款遇到什么问题可以告诉我",  # offering help, not finding the need
        "请问需要在生日前哪天送到呢？",  # a delivery date is the order's detail (verify)
        "请问还有什么需要的吗？",  # a closing question
    ],
    "recommend": [
        "这款没有货了",
        "这款已经下架了哦",
        "亲，这个颜色已经卖完了",
        "这款没有L码了，不好意思",
        "不推荐",
        "我们不推荐您买这款",
        "亲，这款不太适合您",
        "请问您平时穿什么尺码",
        "发货后会第一时间通知您",
        "有货的亲",
        "好的呢亲",
        "查到了，开封后建议12个月内用完",  # usage advice, not a choice of item
    ],
    "negotiate": [
        "这款是纯棉的",
        "请问您的预算是多少",
        "跟您核对一下收货地址",
        "M码的胸围是92厘米，衣长65厘米",
        "亲，稍等一下哦，我查一下库存",
        # Giving the price, or the delivery terms, is no bargaining.
        "这款159元，M码有货",
        "现在是199元",
        "送的哦，默认顺丰包邮，一般2-3天到",
        "我们默认发韵达，全国包邮",
        "我们家都是顺丰包邮的",
        "本款商品质量保证，欢迎下单",  # a quality claim with no bargaining
        "嫌贵别买，别家便宜你去别家",  # a violation, not a price held politely
        "3L那款价格确实便宜些",  # describing the other item
        "建议您先在耳后试用两天",  # a usage tip, not a free sample
        "可以的，我们免费提供手写贺卡",  # answering for a service, no perk offered
        # A gift named in an order being confirmed, or as a reason to pay, is not being offered.
        "跟您核对一下：电饭煲1台+赠品蒸笼格，收货地址XX，对吗",
        "跟您核对下：面霜×1，赠洁面小样×1",
        "看到您的订单还没付款哦，活动赠品数量有限",
        "这两款要是有降价或者赠品活动，我第一时间给你留言",  # a promise, not an offer
        "请问是自用还是送人呢？",
        "好的，发货后会给您推送顺丰单号",  # 推送 is no gift
    ],
    "verify": [
        "收到有任何问题随时联系我们",
        "发货后会第一时间通知您",
        "推荐您拍M码",
        "您好，在的",
        "您下单后我帮您核对下地址～",  # a promise to verify later
        "您可以先拍下，我帮您核对信息",
        "亲，看到您的订单还没付款哦",
    ],
    "farewell": [
        "欢迎光临",  # a welcome, not a goodbye
        "亲，您好～欢迎光临小鹿女装",
        "欢迎来到我们店",
        "请问您平时穿什么码",
        "谢谢您的耐心等待，麻烦提供一下订单号",
        "感谢支持！跟您核对一下：卡其色M码一件",  # thanks for the order, not a goodbye
        "有货的亲",
        "收到啦，感谢支持🙏 跟您核对下：奶杏色M码1件",
        "好的，感谢您的信任😊 您还有其他想了解的吗？",  # the talk goes on
        "麻烦发一下订单号，谢谢",  # thanks for a favour asked
        "收到，谢谢",  # thanks for what the customer sent
        "好的，谢谢您提供的信息，我看一下",
        "谢谢您的理解，我们马上给您补发",
        "有问题再联系我们",  # after-receipt care (follow_up), not a goodbye
        "收到有问题随时联系",
    ],
    "follow_up": [
        "推荐您拍M码",
        "您好，在的",
        "这款是纯棉的，很舒服",
        "亲，这已经是最低价了",
        "亲，不好意思久等了，刚才咨询的人比较多",
        # A bare shipping or arrival time, or a logistics status, is no follow-up.
        "好的亲，今天下午就给您发出",
        "48小时内给您发出哦",
        "快递预计明天就能到",
        "好的，明天发货，谢谢",
        "查到了，您的包裹还在路上，预计明天到",
        "订单详情里有显示两个物流单号的",
        "那你找快递去啊，我们已经发货了",
        "快递签收了就不是我们的问题了",
        "目前发货的是今年3月生产的",
        "我马上给您登记处理",
        "确认收货给个五星好评，我返你10块钱红包",  # a bribe (red line), not a review invitation
        "请问是杯子有什么问题呢？",
        "第一时间给您补发",  # a remedy, no notice promised
        "这款好评很多，评价都不错",  # praising the item, not inviting a review
        "我们会抓紧时间处理",
        "后续我们会改进的",
    ],
    "apologize": [
        "这不是我们的问题",
        "您好，欢迎光临",
        "给您补发一件",
    ],
    "empathize": [
        "在的亲，您好像很着急",  # noticing a mood is not showing understanding
        "您着急用吗？",
        "您是不放心质量吗",
        "请提供一下订单号",
        "亲，谢谢您的耐心等待",
        # Vouching or telling the customer there is no hurry shows no understanding of a feeling.
        "您放心，这个问题一定给您解决",
        "丢了的话会给您补发或者退款的，您放心",
        "100%不起球，放心买",
        "您看这样是不是放心一些了？",
        "活动价到本周日都有效，不用着急，商量好了再来找我就行",
        "还请您理解",
        "不客气，应该的",
    ],
    "clarify": [
        "您好，欢迎光临",
        "给您补发一件新的",
        "非常抱歉给您带来不便",
        "嗯嗯，好的",
        "亲，图片均为实物拍摄，因显示器不同可能存在轻微色差",
        "您看是想退款，还是给您换一个新的？",  # choosing a remedy, not finding facts
        "您看选哪个？",
        "有什么问题随时联系我们",
        "请问还有其他问题吗？",  # a closing question (confirm)
        "具体是哪位师傅上门我现在还不知道",
        "您好，请问有什么可以帮您？",  # offering help is a greeting
        "亲，我发一下链接给您",
    ],
    "explain": [
        "您好，在的",
        "给您退款",
        "非常抱歉",
        "方便说下原因吗？",  # asking for the reason gives none
        "请问是什么原因呢？",
        "产地和密度有写吗？",
        "当然是正品啊",  # a bare denial
        "不可能，活动写得很清楚",
    ],
    "remedy": [
        "这款不支持退货",
        "没法给您退款",
        "理解您的心情",
        "请问是哪里有问题呢",
        # A process or a rule told, not a way forward offered.
        "目前在质检，质检完就会退款",
        "商家要在收到退回商品之日起七日内退款",
        "七天无理由退货的退回运费是买家承担的",
        "换货要等仓库",
        "所以这种情况没法按无理由退货处理",
        "我们会尽快为您处理的哦",  # no way forward named
        "我马上给您登记处理",
        "补发的快递发出后我会把单号发给您",
        "请问是自用还是送人呢？",
    ],
    "legal": [
        "给您补发一件",
        "法式碎花雪纺连衣裙",
    ],
    "confirm": [
        "您好吗",
        "非常抱歉",
        "因为最近快递爆仓",
        # Choosing between remedies, or asking an opinion, is not asking for agreement.
        "您看是退款还是换货呢？",
        "您是希望退款还是换货呢？",
        "您觉得老公会比较在意哪方面呢？",
        "退款到账后我再跟您确认一下",
    ],
}


@pytest.mark.parametrize(("move", "text"), table(DOES_NOT_PERFORM))
def test_message_does_not_perform_move(detector, move, text):
    assert move not in detector.analyze(text).moves, text


# Small talk and plain acknowledgements perform none of the conversation's moves.
NO_MOVE = [
    ("presale", "好的"),
    ("presale", "嗯嗯是的"),
    ("presale", "收到"),
    ("presale", "有货的亲"),
    ("presale", "亲，这个颜色已经卖完了"),
    ("presale", "亲，稍等一下哦，我查一下库存"),
    ("presale", "亲，这是我们的店铺链接"),
    ("aftersale", "好的"),
    ("aftersale", "嗯"),
    ("aftersale", "亲，谢谢您的耐心等待"),
]


@pytest.mark.parametrize(("kind", "text"), NO_MOVE, ids=numbered("no_move", NO_MOVE))
def test_small_talk_performs_no_move(detector, kind, text):
    moves = PRESALE_MOVES if kind == "presale" else AFTERSALE_MOVES
    assert set(detector.analyze(text).moves) & set(moves) == set()


# ---------------------------------------------------------------------------------------------
# Whole messages: exactly the moves a grader would mark
# ---------------------------------------------------------------------------------------------

# The agent's side of /work/shared/examples/presale-sample.json, and a complaint handled well.
EXACT = [
    (
        "presale",
        "亲，您好～欢迎光临小鹿女装，我是客服阿青，有什么可以帮您的呢？",
        {"greet"},
    ),
    (
        "presale",
        "好的呢，请问您平时穿什么尺码？身高体重方便说一下吗？喜欢什么颜色呀",
        {"inquire"},
    ),
    (
        "presale",
        "那推荐您这款双排扣卡其风衣，M码刚好合适，面料防泼水，下雨天通勤也不怕，版型显瘦哦",
        {"recommend"},
    ),
    (
        "presale",
        "理解您的想法哈，这已经是活动价了，不过今天下单可以送您运费险，还包邮哦",
        {"negotiate"},
    ),
    (
        "presale",
        "感谢支持！跟您核对一下：卡其色M码一件，收货地址是长沙市岳麓区XX路18号，电话138****5678，对吗？",
        {"verify"},
    ),
    (
        "presale",
        "好的亲，今天下午就给您发出，发货后会第一时间通知您，收到有问题随时找我哦。祝您生活愉快，欢迎下次光临～",
        {"follow_up", "farewell"},
    ),
    ("aftersale", "您好，这边是售后客服小李，请问有什么可以帮您？", {"greet"}),
    (
        "aftersale",
        "非常抱歉给您带来不好的体验，我非常理解您的心情",
        {"apologize", "empathize"},
    ),
    ("aftersale", "麻烦您提供一下订单号，再拍一张破损处的照片", {"clarify"}),
    ("aftersale", "经核实，是仓库打包时漏发了", {"explain"}),
    (
        "aftersale",
        "我们马上给您补发，另外送您一张5元优惠券作为补偿，您看这样可以吗？",
        {"remedy", "confirm"},
    ),
    ("aftersale", "新的已经寄出了，单号是SF123456，注意查收", {"follow_up"}),
    ("presale", "在，有事吗", {"greet"}),  # a greeting, and a violation
    ("presale", "好的，明天发货，谢谢", {"farewell"}),
    (
        "presale",
        "感谢亲的支持～核对一下哈：电饭煲4L 白色 1台+赠品蒸笼格，收货地址 成都市XX小区，没问题的话今晚就安排出库",
        {"verify"},
    ),
    ("presale", "亲，这款质量有保证，销量很好，欢迎下单哦～", {"recommend"}),
    ("presale", "送的哦，默认顺丰包邮，一般2-3天到。您下单后我帮您核对下地址～", set()),
    (
        "aftersale",
        "收到了，看到是密封圈在渗水，属于产品质量问题。您看是想退款，还是给您换一个新的？",
        {"explain", "remedy"},
    ),
    (
        "aftersale",
        "您好，我是客服小鹿～请问是杯子有什么问题，还是刻字效果不满意呢？方便说下原因吗",
        {"greet", "clarify"},
    ),
    ("aftersale", "丢了的话会给您补发或者退款的，您放心", {"remedy"}),
    ("aftersale", "好哒亲亲，下单后我们尽快给您发出，感谢支持～", {"farewell"}),
    ("aftersale", "好的，感谢您的信任😊 您还有其他想了解的吗？", {"confirm"}),
]


@pytest.mark.parametrize(("kind", "text", "moves"), EXACT, ids=numbered("exact", EXACT))
def test_whole_message_moves(detector, kind, text, moves):
    kind_moves = PRESALE_MOVES if kind == "presale" else AFTERSALE_MOVES
    assert set(detector.analyze(text).moves) & set(kind_moves) == moves


# ---------------------------------------------------------------------------------------------
# Courtesy violations (服务禁用语) and platform red lines
# ---------------------------------------------------------------------------------------------

VIOLATIONS = [
    # Wordings first met in the dev4 labelled chats (transcripts/dev4).
    ("平台扣点高 你支付宝转我 4瓶给你算450", ["支付宝转我"]),
    (
        "收到给个五星 五星截图找我领红包哦",
        ["五星 五星截图找我领红包"],
    ),  # one brush-off, one finding
    ("看到了 别刷屏", ["别刷屏"]),
    ("那没法赔 签收的时候要当面验货", ["没法赔"]),
    ("亲 有啥事随时戳我哈", []),  # an invitation, not 有事吗
    # ... and in the dev5 chats, written to disguise them.
    ("加我薇 jyd-meizhuang 给你发验货视频", ["加我薇"]),
    ("好评不返现的亲 您收到觉得好再如实评价就好", []),
    ("您好 不知道孩子现在几岁了呢", []),
    ("您自己看着合适就好 我觉得M码更显瘦", []),
    ("您自己看吧 一起买便宜80", ["您自己看"]),
    ("价格是品牌统一定价，改不了的。现在下单可以送一本食谱", []),  # held, with a perk
    ("不知道，你自己看详情页", ["不知道", "你自己看"]),
    ("不知道，自己去查", ["不知道", "自己去查"]),
    ("不知道，你问快递吧", ["不知道"]),
    ("不知道", ["不知道"]),
    ("我也不知道啊", ["不知道"]),
    ("我怎么知道", ["我怎么知道"]),
    ("不清楚", ["不清楚"]),
    ("这个我不清楚，你问别人吧", ["不清楚"]),
    ("没办法，这是规定", ["没办法"]),
    ("这个真没办法", ["没办法"]),
    ("没办法，你找快递吧", ["没办法", "找快递"]),
    ("不可能，我们发货前都检查过", ["不可能"]),
    ("详情页都写了，自己看", ["详情页都写了，自己看"]),
    ("你自己不会看详情页吗", ["自己不会看"]),
    ("上面都写着呢，自己看", ["都写着呢，自己看"]),
    ("物流你自己查一下", ["你自己查"]),
    ("自己去问快递", ["自己去问"]),
    ("找快递去，这不归我管", ["找快递去", "这不归我管"]),
    ("这个找快递公司去", ["找快递公司"]),
    ("那是快递的问题，跟我没关系", ["快递的问题", "跟我没关系"]),
    ("跟我们没关系，是快递弄丢的", ["跟我们没关系"]),
    ("爱买不买", ["爱买不买"]),
    ("你爱买不买", ["爱买不买"]),
    ("我们这里不接受退货，你爱去哪投诉去哪投诉", ["爱去哪"]),
    ("嫌贵就别买", ["嫌贵就别买"]),
    ("嫌贵去别家吧", ["嫌贵去别家"]),
    ("买不起就别问", ["买不起"]),
    ("随便你", ["随便你"]),
    ("随便，都差不多", ["随便"]),
    ("随便拍，都一样", ["随便拍"]),
    ("这是你自己的问题", ["这是你自己的问题"]),
    ("你自己弄坏的吧", ["你自己弄坏的"]),
    ("是你自己选错尺码的", ["你自己选错"]),
    ("你怎么这么麻烦", ["你怎么这么麻烦"]),
    ("怎么这么多问题", ["怎么这么多问题"]),
    ("你烦不烦啊", ["烦不烦"]),
    ("问这么多干嘛", ["问这么多", "干嘛"]),
    ("早就说过了", ["早就说过了"]),
    ("我都说了好几遍了", ["说了好几遍"]),
    ("我不是说了吗，48小时内发货", ["我不是说了吗"]),
    ("看不懂吗？", ["看不懂吗"]),
    ("你看不懂吗？写得很清楚", ["看不懂吗"]),
    ("有事吗", ["有事吗"]),
    ("有事说事", ["有事说事"]),
    ("急什么，等着吧", ["急什么，等着吧"]),
    ("详情页都写了。你自己看", ["详情页都写了", "你自己看"]),  # two sentences: two findings
    ("嫌贵别买 爱买不买", ["嫌贵别买", "爱买不买"]),  # two entries: two findings
    ("催什么催，等着", ["催什么"]),
    ("废话，当然是正品", ["废话"]),
    ("你有病吧", ["有病"]),
    ("那你想怎样", ["你想怎样"]),
    ("这样吧，你别闹了", ["你别闹了"]),
    ("实话实说而已", ["实话实说而已"]),
    ("嫌贵别买，别家便宜你去别家", ["嫌贵别买", "你去别家"]),
    ("随便选，都能穿", ["随便"]),  # choosing the size is the customer's question, brushed off
    ("详情页都有写，亲自己看一下哈", ["详情页都有写，亲自己看一下"]),
    ("那是你买到别家的便宜货，我们家的不会", ["别家的便宜货"]),
    ("换货要等仓库，不知道什么时候有货", ["不知道"]),  # a warehouse named is no help given
    ("这个问题我也不清楚，您问问快递吧", ["不清楚", "您问问快递"]),  # two brush-offs
    ("你问我我问谁", ["你问我我问谁"]),
    ("早告诉你了", ["早告诉你了"]),
    ("你爱找谁找谁", ["爱找谁找谁"]),
    ("关我什么事", ["关我什么事"]),
    ("下次看清楚再买吧", ["看清楚再买"]),
    ("别问了，问了也没用", ["别问了，问了也没用"]),
    ("催了 天天都有人催 催也快不了", ["催也快不了"]),
    ("退款是财务那边走的 我们客服管不到这块", ["管不到"]),
    ("觉得亏就申请退款 自己重新拍 别在这跟我掰扯了", ["自己重新拍", "掰扯"]),
    ("这个价格您还嫌贵啊，我们用料都很好的。", ["您还嫌贵"]),
    ("刚刚不是跟你说过是正版了吗", ["不是跟你说过"]),
    ("这个你得去问主播 我们客服管不了直播间", ["去问主播", "客服管不了"]),
]


@pytest.mark.parametrize(("text", "phrases"), VIOLATIONS, ids=numbered("violations", VIOLATIONS))
def test_courtesy_violation(detector, text, phrases):
    assert detector.analyze(text).violation_phrases == phrases


RED_LINES = [
    ("亲，给五星好评返现5元哦", "好评返现"),
    ("好评晒图返现10元", "好评返现"),
    ("好评返现3元，记得截图发我", "好评返现"),
    ("五星好评送10元红包", "好评返现"),
    ("确认收货给个好评送您小礼物", "好评返现"),
    ("加我微信，给你返5块", "加微信"),
    ("加个vx吧，方便联系", "加微信"),
    ("您加我QQ：12345678", "加微信"),
    ("我们可以线下交易，更便宜", "加微信"),
    ("私下交易更便宜哦", "加微信"),
    ("您直接银行转账给我就行", "银行转账"),
    ("支付宝转账给我，我给您少20", "银行转账"),
    ("直接转账到我支付宝，便宜20", "银行转账"),
    ("我们家是全网最低价", "全网最低"),
    ("这款效果是最好的", "全网最低"),
    ("100%有效，无效退款", "全网最低"),
    ("这个效果１００％有效", "全网最低"),
    ("百分百有效哦亲", "全网最低"),
    ("绝对有效，无效退款", "全网最低"),
    ("我们是行业第一品牌", "全网最低"),
    ("国家级品质，顶级面料", "全网最低"),
    ("100%不起球，放心买", "全网最低"),
    ("100%清晰，白天拉不拉窗帘都一样", "全网最低"),
    ("这款是我们家卖得最好的，全网最低价了哦", "全网最低"),  # 卖得最好 excuses only itself
    ("放心啦，银行卡转账也行", "银行转账"),
    ("我私下把钱退给您，不用走平台售后了", "加微信"),
    ("加我微信，微信上买还能再便宜50", "加微信"),
    ("考虑好了加我V信找我哦", "加微信"),
    ("晒图给您发红包", "好评返现"),
    ("补偿您10块 您把差评追评改成五星", "好评返现"),
    ("评价晒图后截图 我给您补寄一袋冻干", "好评返现"),
    ("加我个v 我私下转你20块", "加微信"),
    ("退款申请您先点撤销哈 不然店铺要被扣分", "加微信"),
    ("我直接支付宝转过去", "银行转账"),
    ("市面上找不出第二款比它更省油的", "全网最低"),
    ("这是“全网最低价”哦", "全网最低"),  # quotation marks alone excuse nothing
    ("真的哈 评价完找我就行 秒返", "好评返现"),
    ("嗯嗯 记得带图哦 图越多返越多", "好评返现"),
    ("好 想好了加我", "加微信"),
]


@pytest.mark.parametrize(("text", "phrase"), RED_LINES, ids=numbered("red_lines", RED_LINES))
def test_red_line(detector, text, phrase):
    found = detector.analyze(text).violations
    assert phrase in {h.label for h in found}
    cues = {v.phrase: v for v in detector.lexicon.violations}
    assert cues[phrase].category == "red_line"


# Another buyer's mobile number: the built-in finder 手机号 (violations.yaml ``detect``); the
# evidence is the sentence around it, with the owner's name and address.
LEAKS = [
    (
        "您放心，我们老客户很多。比如上海的陈女士，手机13817626618，每年都订。您不信可以问问她",
        "比如上海的陈女士，手机13817626618，每年都订",
    ),
    ("不信你问问上周买的那个 王建伟 139 5721 6621 杭州拱墅区的", None),
    ("收件人：周慧敏 电话：138-5770-2146 地址：星湖街328号", None),
]


@pytest.mark.parametrize(("text", "words"), LEAKS, ids=numbered("leaks", LEAKS))
def test_another_buyers_phone_number_is_a_red_line(detector, text, words):
    found = [h for h in detector.analyze(text).violations if h.label == "泄露顾客信息"]
    assert len(found) == 1
    assert found[0].words == (words or text)
    assert text[found[0].start : found[0].end] == found[0].words
    cues = {v.phrase: v for v in detector.lexicon.violations}
    assert cues["泄露顾客信息"].category == "red_line"


def test_a_leak_outranks_a_courtesy_slip_in_its_sentence(detector):
    # The sentence around the number also holds 跟我们没关系: the leak is what a grader marks.
    text = "前天也有个姓李的买家，电话13657281190，后来查了跟我们没关系。"
    found = detector.analyze(text).violations
    assert [h.label for h in found] == ["泄露顾客信息"]
    assert "13657281190" in found[0].words


@pytest.mark.parametrize(
    "text",
    [
        "跟您核对一下：收件人王女士 13812345678 杭州市西湖区文三路 对吗",  # read back to the buyer
        "收件人王女士 电话尾号6621 地址杭州 没问题吧",
        "顺丰单号SF1457720391846 预计明天到",  # part of a longer number
        "您的订单2749105538826170032已发货",
        "我们不会泄露顾客信息，请放心",  # the entry's name is no cue
        "售后热线400-820-1234",
    ],
)
def test_numbers_that_leak_nothing(detector, text):
    assert "泄露顾客信息" not in {h.label for h in detector.analyze(text).violations}


# An account on another app, handed out: the built-in finder 站外账号 of 加微信; the evidence
# is the app and the account.
ACCOUNTS = [
    ("授权书不方便在平台发 加下我Q 2854190337 我发你", "Q 2854190337"),
    ("开票的话财务直接对接 wx号 mc_office2", "wx号 mc_office2"),
    ("不会出问题 vx：ttw6688", "vx：ttw6688"),
    ("老客户都这么买 微信lqh8866", "微信lqh8866"),
]


@pytest.mark.parametrize(("text", "words"), ACCOUNTS, ids=numbered("accounts", ACCOUNTS))
def test_an_account_on_another_app_is_a_red_line(detector, text, words):
    found = [h for h in detector.analyze(text).violations if h.label == "加微信"]
    assert [h.words for h in found] == [words]


@pytest.mark.parametrize(
    "text",
    [
        "那推荐这款4000型纺车轮 型号QL4000 速比5.2:1",  # an item code
        "已经登记好了 工单号WX0629117",
        "收到 已经提交平台了 处理单号AQ20260317-0892",
        "是的，直充，填QQ号 12345678 就可以",  # the buyer's own account, for a top-up
        "微信支付 支付宝都可以",
    ],
)
def test_codes_and_the_buyers_own_account_are_no_account_handed_out(detector, text):
    assert "加微信" not in {h.label for h in detector.analyze(text).violations}


# Words that lead into a brush-off (evidence: sentence): the finding is their sentence, one
# finding with what other entries found there; a red line in it stays a finding of its own.
def test_a_lead_in_brush_off_is_found_with_its_sentence(detector):
    found = detector.analyze("实话实说而已，嫌贵我们也没办法。就这价").violations
    assert [(h.label, h.words) for h in found] == [
        ("实话实说而已", "实话实说而已，嫌贵我们也没办法")
    ]


def test_a_red_line_in_a_lead_in_sentence_stays_its_own_finding(detector):
    found = detector.analyze("实话实说而已 加我微信 jiechi_aj88").violations
    assert {h.label for h in found} == {"实话实说而已", "加微信"}


# A violation word inside a helpful sentence, or wording that only looks like one.
NOT_VIOLATIONS = [
    "这个我不太清楚，我马上帮您问一下",
    "不好意思亲，这个我也不太清楚，我帮您问下仓库同事哈",
    "抱歉亲，这个问题我需要核实一下，请稍等",
    "这个真不好说，我帮您问问厂家",
    "不知道您平时穿什么码呢？",
    "不知道亲对颜色有什么要求吗",
    "不知道您具体想要哪款呢",
    "您不知道尺码的话，可以告诉我身高体重哦",
    "如果您不清楚自己的尺码，可以告诉我身高体重",
    "不清楚的地方随时问我哦",
    "不清楚的话可以随时问我哦",
    "我不知道具体原因，稍等我查一下",
    "实在没办法再便宜了，不过可以送您运费险",
    "不好意思亲，真的没办法再少了哦",
    "没办法给您改价，但是可以给您申请赠品",
    "不好意思，这个真的没有办法改价，还请您理解",
    "您放心，我们不可能卖假货的",
    "亲随便看看，有需要随时叫我",
    "款式可以随便挑哦",
    "我们不能随便改价的，请您理解",
    "您先看一下尺码表作为参考，或者告诉我身高体重我帮您推荐",
    "详情页有尺码表，您可以参考一下，或者告诉我身高体重我帮您推荐",
    "我这边帮您查一下物流",
    "快递那边我来联系，您不用操心",
    "我们帮您找快递核实一下",
    "给您添了这么麻烦，真不好意思",
    "之前说过了，我再给您详细说明一下",
    "我再给您说一遍哈，是48小时内发货",
    "亲，请问有什么事吗",
    "您拿来干嘛用呢",
    "我们不管是质量问题还是其他问题，都会给您处理",
    "亲，您的问题我已经记录了",
    "我们不会好评返现的哦，您如实评价就好",
    # Refusing a red line, and quoting forbidden words to disown them (reported speech).
    "我们店没有好评返现的活动哦，您用得满意的话按真实感受评价就好",
    "好评返现没有的亲 平台不让搞这个哈",
    "不过好评返现是平台规则明确禁止的，我们店不做这个",
    "好评返现这个我们不搞哦 平台不让的",
    "不过私下转账和以评价为条件的补偿都不符合平台规则，我们不能这样操作",
    "同事那句“你是不是不会看图啊”太不像话了 我代表店里跟您郑重道歉",
    "先为之前同事“找快递去”的回复向您郑重道歉，这样回复确实不应该",
    "亲，按照广告法的要求，我们不能使用“100%”这类绝对化的说法",
    "“最好”这个我真不能跟您打包票",
    "1岁半 之前吃的超市买的便宜粮 一直有点软便",
    "我们平台禁止好评返现，您如实评价就好",
    "亲，平台规定不能加微信，有问题在这里联系我就好",
    "请不要相信私下转账，谨防诈骗",
    "您最好选M码，穿着更舒服",  # advice, not an absolute claim
    "已经是最低价了",  # holding the price, not 全网最低
    "这款是卖得最好的",
    "这款不会掉色的",
    "退款会原路退回到您的银行卡",
    "没问题的亲",
    "亲，没关系的",
    "亲，您好，欢迎光临",
    "感谢您的支持，欢迎下次光临",
    "这个不需要您去找快递，快递那边由我们去对接",
    "具体是哪位师傅上门我现在还不知道，到货前一天师傅会打电话跟您约时间",  # honest, and help follows
    "请问是什么专业呢？平时主要用来干嘛？",  # asking the use, colloquially
    "是100%新疆长绒棉的哦",  # fabric content, no absolute claim
    "这款是100%桑蚕丝的",
    "护肤品没有对所有人都最好的，不过这款有检测报告",  # denying the superlative
    "这已经是我们店的最低价了",
    "款式您随便选，都有现货",
    "收到货有问题可以直接在平台申请售后，不用加微信",
    "快递签收了就不是我们的问题了",  # a (wrong) explanation, not 这不归我管
    "款式随便选哦",
    "颜色随便选，都有现货",
    "好评率100%",
    "这个我暂时还不清楚，仓库那边回复了马上告诉您",
    "快递员会联系您，请您耐心等一下",
    # Red-line words where nothing leaves the platform (each had capped an excellent chat at 50).
    "我们客服只会在旺旺上联系您 不会打电话让加QQ 理赔也都走平台退款",
    "我们店所有退款只走平台订单里的售后 不会打电话让您加QQ加微信 更不会让您转账",
    "100元补偿已经通过平台打款到您的账户，请留意查收。",
    "是的，直充，填QQ号或者微信绑定的手机号就可以。",  # a top-up to the buyer's own QQ
    "那通用的100G够您用 热点随便开 不额外收费",  # 随便 + a verb: freely
    "为了保障您的资金安全，我们只接受淘宝平台下单付款，不接受私下转账，这一点请您理解。",
    "这个我不太清楚哈 顺德有的镇在合作范围 有的不在 我马上帮您问一下安装那边 稍等哦",
    "不过说实话 金价走势谁都说不准 我也不敢跟您保证会跌",
    "先提醒您：这是典型的航班取消诈骗短信，请不要加QQ、不要点链接、不要转账。",
    "新换的电池容量100% 续航没问题",  # a battery's health, no absolute claim
    "我们店所有退款都只在淘宝订单页面操作，不会打电话让您加QQ或者转账。",
    "我们店不会通过短信让顾客加QQ或微信办理退款，所有退款都在平台",
    "寄修一个月确实太折腾了 换我也不敢随便买了",
    "具体原因我现在也不知道 得寄回来检测才清楚 不过不管什么原因 都不会让您吃亏",
    "这个电话不是我们打的，我们不会通过电话让您加QQ，也不会在站外给您退款，请您千万不要操作。",
    "想先确认一下：您有没有按对方说的加QQ、点链接或者转账？",
    # A warning against scams names what not to do, far from its 不会 (unless_anywhere).
    "我们店从来不会通过电话要求顾客加QQ、微信办理退款。对方很可能是诈骗，也不要提供银行卡号和验证码。",
]


@pytest.mark.parametrize("text", NOT_VIOLATIONS, ids=numbered("fine", NOT_VIOLATIONS))
def test_not_a_violation(detector, text):
    assert detector.analyze(text).violations == ()


# ---------------------------------------------------------------------------------------------
# Concessions, with negation
# ---------------------------------------------------------------------------------------------

CONCESSIONS = [
    ("不过今天下单可以送您运费险，还包邮哦", {"运费险", "包邮"}),  # 送您运费险 is no gift
    ("可以给您包邮哦", {"包邮"}),
    ("全国包邮，新疆西藏除外", {"包邮"}),
    ("运费我们出", {"包邮"}),
    ("送您一双运动袜作为赠品", {"赠品"}),
    ("下单赠送同色系发带", {"赠品"}),
    ("再送您一双运动袜，跑步正好穿", {"赠品"}),
    ("您可以先领一张满300减20的店铺优惠券", {"优惠券", "满减"}),
    ("两件打9折", {"折扣"}),
    ("我帮您申请一下，便宜10元", {"最低价"}),
    ("给您补发一件", {"补发"}),
    ("给您退差价20元", {"退款"}),
    ("给您补偿一个10元红包", {"补偿", "优惠券"}),
    ("支持七天无理由退换", {"退货", "换货"}),
    ("没有优惠券了", set()),
    ("不好意思，我们没有赠品", set()),
    ("这款不包邮哦", set()),
    ("偏远地区不能包邮", set()),
    ("暂时没有满减活动", set()),
    ("没有额外的优惠券了", set()),  # 的 does not stop the negation
    ("这款是纯棉的，很舒服", set()),
    ("没有优惠券，但是可以给您包邮", {"包邮"}),
    ("我帮您跟店长申请一下，再给您便宜10元", {"最低价"}),
    ("这两天下单送一个蒸笼格", {"赠品"}),
    ("我们给您退换，来回运费我们承担", {"退货", "换货", "包邮"}),
    ("还送您一双运动袜", {"赠品"}),
]


@pytest.mark.parametrize(("text", "kinds"), CONCESSIONS, ids=numbered("concessions", CONCESSIONS))
def test_concessions(detector, text, kinds):
    assert set(detector.analyze(text).concessions) == kinds


def test_concession_kinds_are_the_scenario_kinds(detector):
    from bot.core.scenario import CONCESSIONS as KINDS

    assert set(detector.lexicon.concessions) == set(KINDS)


# ---------------------------------------------------------------------------------------------
# Negation: a cue right after a negator does not count, unless the cue is itself negative
# ---------------------------------------------------------------------------------------------

NEGATION = [
    ("推荐您这款", "recommend", True),
    ("不推荐这款", "recommend", False),
    ("不太推荐这款", "recommend", False),
    ("并不建议您选L码", "recommend", False),
    ("有优惠哦", "negotiate", True),
    ("没有优惠", "negotiate", True),  # a cue of its own: holding the price is bargaining
    ("实在不能再便宜了", "negotiate", True),
    ("价格没法再少了哦", "negotiate", True),
    ("别担心", "empathize", True),  # the cue itself starts with a negator
    ("不用担心", "empathize", True),  # the cue itself is negative
    ("您是不放心吗", "empathize", False),
    ("不满意可以退货", "remedy", True),  # 不满意 is a condition, not a negator of 退货
    ("不喜欢包退换", "remedy", True),
    ("这款不支持退货", "remedy", False),
    ("没法给您退款", "remedy", False),
    ("不支持七天无理由退货", "legal", True),
    ("还没付款哦亲", "follow_up", True),
    ("还没发货，我帮您催一下", "remedy", True),
]


@pytest.mark.parametrize(("text", "move", "expected"), NEGATION, ids=numbered("negation", NEGATION))
def test_negation(detector, text, move, expected):
    assert (move in detector.analyze(text).moves) is expected


NEGATED_CONCESSIONS = [
    ("包邮", "包邮", True),
    ("不包邮", "包邮", False),
    ("没有包邮", "包邮", False),
    ("没有优惠券", "优惠券", False),
    ("没有任何优惠券", "优惠券", False),
    ("没有额外的赠品", "赠品", False),
    ("不送赠品", "赠品", False),
    ("不满意给您补发", "补发", True),
]


@pytest.mark.parametrize(
    ("text", "kind", "expected"), NEGATED_CONCESSIONS, ids=numbered("negated", NEGATED_CONCESSIONS)
)
def test_negated_concessions(detector, text, kind, expected):
    assert (kind in detector.analyze(text).concessions) is expected


# ---------------------------------------------------------------------------------------------
# Hits carry the words as typed, and where they are
# ---------------------------------------------------------------------------------------------

ORIGINAL_WORDS = [
    ("亲，您好！", "greet", "您好"),
    ("ＨＥＬＬＯ亲～", "greet", "ＨＥＬＬＯ"),
    ("请问身高体重多少？", "inquire", "身高体重多少"),
    ("满３００减２０哦", "negotiate", "满３００减"),
    ("给您包邮😊", "negotiate", "包邮"),
    ("ＯＫ，跟您核对一下：Ｍ码一件", "verify", "核对一下"),
    ("不知道，你自己看详情页", "recommend", None),
]


@pytest.mark.parametrize(
    ("text", "move", "words"), ORIGINAL_WORDS, ids=numbered("original_words", ORIGINAL_WORDS)
)
def test_hit_words_are_as_typed(detector, text, move, words):
    hits = detector.analyze(text).moves.get(move, ())
    assert [h.words for h in hits] == ([words] if words else [])


OFFSET_TEXTS = [
    *[text for texts in PERFORMS.values() for text in texts],
    *[text for text, _ in VIOLATIONS],
    *[text for text, _ in RED_LINES],
    "亲，您好！！　欢迎光临～ＸＸ旗舰店😊，请问您穿什么码？",
]


@pytest.mark.parametrize("text", OFFSET_TEXTS, ids=numbered("offsets", OFFSET_TEXTS))
def test_every_hit_points_at_its_words(detector, text):
    analysis = detector.analyze(text)
    hits = [
        *(h for hs in analysis.moves.values() for h in hs),
        *(h for hs in analysis.concessions.values() for h in hs),
        *analysis.violations,
        *analysis.polite,
    ]
    assert hits
    for hit in hits:
        assert text[hit.start : hit.end] == hit.words


def test_a_hit_is_a_frozen_dataclass_of_its_fields():
    # Hit fills its fields in its own __init__ (for speed): it must name every field, in order,
    # and stay frozen, hashable and comparable like the dataclass it is.
    names = [f.name for f in dataclasses.fields(Hit)]
    values = ["greet", "您好", 0, 2]
    hit = Hit(*values)
    assert vars(hit) == dict(zip(names, values, strict=True))
    assert hit == Hit(**dict(zip(names, values, strict=True)))
    assert hash(hit) == hash(Hit(*values)) and hit != Hit("greet", "您好", 0, 1)
    assert repr(hit) == "Hit(label='greet', words='您好', start=0, end=2)"
    with pytest.raises(dataclasses.FrozenInstanceError):
        hit.start = 1  # type: ignore[misc]


def test_the_words_before_a_token_are_those_a_forward_walk_keeps(detector):
    # The negation window, walked back from each token, against its definition walked forward:
    # the last NEGATION_WINDOW words of the clause so far, particles skipped, on every token of
    # every labelled message (and of a few made-up ones).
    texts = [*labelled_texts(), "没有额外的的优惠券", "不，好的", "的的的"]
    for text in texts:
        tokens = [t for t in detector._tokenize(normalize(text)) if t[0].strip()]
        starts = [s for _, s, _ in tokens]
        window: list[str] = []
        for w, s, _ in tokens:
            assert _words_before(tokens, starts, s) == window, (text, s)
            if w in CLAUSE_ENDS:
                window = []
            elif w not in PARTICLES:
                window = [w, *window[: NEGATION_WINDOW - 1]]
        assert _words_before(tokens, starts, len(text) + 1) == []


def test_violation_words_and_offsets(detector):
    text = "不知道，你自己看详情页"
    assert detector.analyze(text).violations == (
        Hit("不知道", "不知道", 0, 3),
        Hit("你自己看", "你自己看", 4, 8),
    )


def test_pieces_of_one_brush_off_are_one_finding(detector):
    # Within a sentence and a few characters apart: one finding over both.
    text = "详情页都写了，亲自己看一下"
    assert [(h.label, h.words) for h in detector.analyze(text).violations] == [("你自己看", text)]
    # Apart, or in two sentences, a brush-off is two.
    assert len(detector.analyze("不知道，你自己看详情页").violations) == 2


def test_pieces_of_one_red_line_are_one_finding_across_the_message(detector):
    text = "加我微信wxkf2288 后面有问题直接微信找我更快"
    found = detector.analyze(text).violations
    assert [(h.label, h.start, h.end) for h in found] == [("加微信", 0, len(text) - 2)]
    assert found[0].words == text[: len(text) - 2]


def test_analysis_shape(detector):
    text = "亲，您好～不知道您平时穿什么码呢？"
    analysis = detector.analyze(text)
    assert isinstance(analysis, Analysis)
    assert analysis.text == text
    assert set(analysis.moves) <= set(ALL_MOVES)
    assert analysis.move_names == list(analysis.moves)
    assert analysis.moves["greet"] == (Hit("greet", "您好", 2, 4),)
    assert analysis.violations == ()
    assert analysis.asks_question
    assert [h.words for h in analysis.polite] == ["亲", "您好", "您"]


@pytest.mark.parametrize(
    ("full", "half"),
    [
        ("亲，您好！请问您穿什么码？", "亲,您好!请问您穿什么码?"),
        ("在的亲～欢迎光临！", "在的亲~欢迎光临!"),
        ("亲，已经是最低价了；不过可以包邮。", "亲,已经是最低价了;不过可以包邮."),
        ("不知道，自己去查！", "不知道,自己去查!"),
        ("ＯＫ，跟您核对一下：Ｍ码一件，对吗？", "OK,跟您核对一下:M码一件,对吗?"),
    ],
)
def test_full_and_half_width_read_the_same(detector, full, half):
    a, b = detector.analyze(full), detector.analyze(half)
    assert a.moves.keys() == b.moves.keys()
    assert a.concessions.keys() == b.concessions.keys()
    assert a.violation_phrases == b.violation_phrases
    assert a.asks_question == b.asks_question


def test_polite_words(detector):
    assert [h.words for h in detector.analyze("亲亲，麻烦您稍等一下，谢谢").polite] == [
        "亲亲",
        "麻烦您",
        "谢谢",
    ]
    assert [h.words for h in detector.analyze("给您包邮").polite] == ["给您"]
    assert detector.analyze("等着").polite == ()
    assert detector.analyze("我亲自给你发").polite == ()  # 亲 inside 亲自 is no address


def test_normalize_keeps_length():
    text = "亲，您好！ＡＢＣ１２３～😊"
    assert len(normalize(text)) == len(text)
    assert normalize("ＡＢＣ，１２３！") == "abc,123!"


def test_the_quick_nfkc_is_nfkc_on_every_labelled_message_and_on_generated_text():
    # Most messages skip unicodedata's normalisation (their full-width punctuation is put in
    # ASCII, the rest found normal by the quick check): the answer must be NFKC's all the same.
    rng = random.Random(7)
    ranges = [(0x20, 0x250), (0x300, 0x370), (0x2000, 0x2100), (0x3000, 0x3100)]
    ranges += [(0xFF00, 0xFFEF), (0x4E00, 0x4E80), (0xAC00, 0xAC10), (0x1100, 0x1200)]
    pool = [chr(c) for a, b in ranges for c in range(a, b)] + ["\u2460", "\U0001f60a"]
    generated = ["".join(rng.choices(pool, k=rng.randint(0, 9))) for _ in range(50_000)]
    texts = labelled_texts() + generated + ["，！？：；（）～", "Ｈｉ，在吗？", "e\u0301，"]
    wrong = [t for t in texts if _nfkc(t) != unicodedata.normalize("NFKC", t)]
    assert not wrong, wrong[:5]


# ---------------------------------------------------------------------------------------------
# The matching rules, on a tiny hand-made lexicon (independent of the data files)
# ---------------------------------------------------------------------------------------------


def spaced(text: str):
    """Tokenize on spaces, so that a test sets the word boundaries exactly."""
    pos = 0
    for word in text.split(" "):
        yield word, pos, pos + len(word)
        pos += len(word) + 1


def tiny(**parts) -> MoveDetector:
    lexicon = Lexicon(
        moves=parts.get("moves", {}),
        violations=parts.get("violations", ()),
        concessions=parts.get("concessions", {}),
        negators=parts.get("negators", ("不", "没有")),
    )
    return MoveDetector(lexicon, spaced)


def spans(hits) -> list[tuple[str, int, int]]:
    return [(h.words, h.start, h.end) for h in hits]


def test_a_cue_that_ends_inside_a_word_does_not_hide_a_shorter_one():
    d = tiny(moves={"recommend": ("推荐这款", "推荐")})
    # 推荐这款 would end inside the word 这款式, so 推荐 alone is found.
    assert spans(d.analyze("推荐 这款式").moves["recommend"]) == [("推荐", 0, 2)]


def test_a_cue_rejected_at_its_end_does_not_hide_one_starting_inside_it():
    d = tiny(moves={"x": ("甲乙丙", "乙丙丁")})
    assert spans(d.analyze("甲 乙丙丁").moves["x"]) == [("乙丙丁", 2, 5)]


def test_cues_match_only_whole_words():
    d = tiny(moves={"greet": ("亲",)})
    assert d.analyze("亲自 来").moves == {}
    assert "greet" in d.analyze("亲 来").moves


def test_gap_stays_inside_one_clause():
    d = tiny(moves={"inquire": ("请问*吗",)})
    assert "inquire" in d.analyze("请问 您 穿 M 吗").moves
    assert d.analyze("请问 。 好 吗").moves == {}
    assert d.analyze("请问 这 是 一 句 很 长 很 长 的 话 吗").moves == {}  # more than 10 characters


def test_negator_within_two_words_of_the_same_clause():
    d = tiny(moves={"negotiate": ("包邮",)})
    assert d.analyze("不 包邮").moves == {}
    assert d.analyze("没有 额外 包邮").moves == {}
    assert d.analyze("没有 的 额外 的 包邮").moves == {}  # 的 does not count
    assert "negotiate" in d.analyze("没有 很 多 包邮").moves  # three words away
    assert "negotiate" in d.analyze("没有 , 包邮").moves  # another clause


def test_a_cue_that_starts_with_a_negator_is_not_negated():
    d = tiny(moves={"empathize": ("不用担心", "担心")})
    assert "empathize" in d.analyze("不用担心").moves
    assert d.analyze("不 担心").moves == {}


def test_unless_excuses_a_violation_near_helpful_words():
    d = tiny(violations=(ViolationCue("不知道", unless=("帮您",)),))
    assert d.analyze("不知道 , 我 帮您 问").violations == ()
    assert d.analyze("不知道 , 你 问 别人").violation_phrases == ["不知道"]


def test_overlapping_violation_entries_report_once():
    d = tiny(
        violations=(ViolationCue("没办法", ("管不了",)), ViolationCue("不归我管", ("管不了",)))
    )
    assert d.analyze("管不了").violation_phrases == ["管不了"]


def test_a_mask_drops_the_cues_inside_it():
    d = tiny(moves={"negotiate": ("包邮", "!默认*包邮")})
    assert d.analyze("默认 顺丰 包邮").moves == {}
    assert "negotiate" in d.analyze("可以 给 您 包邮").moves
    # the mask only covers its own words: a second cue outside it still counts
    assert [h.start for h in d.analyze("默认 包邮 , 再 给 您 包邮").moves["negotiate"]] == [14]


def test_a_start_cue_counts_only_at_the_start_of_the_message():
    d = tiny(moves={"greet": ("^在",)})
    assert "greet" in d.analyze("在 , 您 说").moves
    assert "greet" in d.analyze("~ 在 , 您 说").moves  # punctuation before it is fine
    assert d.analyze("包裹 在 路上").moves == {}


def test_a_closing_cue_counts_only_when_the_message_just_closes():
    d = tiny(
        moves={
            "farewell": ("谢谢$", "再见"),
            "follow_up": ("通知您",),
            "verify": ("核对",),
            "remedy": ("补发",),
        }
    )
    assert "farewell" in d.analyze("明天 发货 , 谢谢").moves
    assert "farewell" in d.analyze("发货 后 通知您 , 谢谢").moves  # follow-up may come with it
    assert "farewell" in d.analyze("谢谢 , 发货 后 通知您").moves
    assert "farewell" not in d.analyze("谢谢 , 跟 您 核对 地址").moves  # an asking move
    assert "farewell" not in d.analyze("谢谢 , 还有 问题 吗 ?").moves  # a question after it
    assert "farewell" not in d.analyze("谢谢 , 马上 补发").moves  # more business after it
    assert "farewell" in d.analyze("马上 补发 , 谢谢").moves  # business done, then thanks
    assert "farewell" in d.analyze("谢谢 , 跟 您 核对 , 再见").moves  # a plain cue is not affected


def test_an_explanation_is_never_a_question():
    d = tiny(moves={"explain": ("原因", "导致")})
    assert "explain" in d.analyze("是 洗涤 不 对 导致 的").moves  # a negator does not undo a fact
    assert "explain" in d.analyze("原因 是 爆仓").moves
    assert d.analyze("方便 说下 原因 吗 , 我 看看").moves == {}
    assert d.analyze("是 什么 原因 ?").moves == {}
    assert d.analyze("是 质量 原因 , 还是 尺码 ?").moves == {}  # a choice asked across clauses
    # the question is in another clause
    assert "explain" in d.analyze("原因 是 爆仓 , 您 看 可以 吗 ?").moves


def test_quoted_words_are_excused_only_where_the_message_disowns_them():
    lexicon = Lexicon(moves={}, violations=(ViolationCue("爱买不买"),), quoting=("不应该",))
    d = MoveDetector(lexicon, spaced)
    # (The tiny lexicon's tokenizer splits at spaces: the quotation marks stand apart.)
    assert d.analyze("同事 说 “ 爱买不买 ” 不应该").violations == ()
    # Quotation marks alone, or the disowning word inside the quotation, excuse nothing.
    assert d.analyze("“ 爱买不买 ” 哦").violation_phrases == ["爱买不买"]
    assert d.analyze("“ 爱买不买 不应该 ” 哦").violation_phrases == ["爱买不买"]
    # Only the quoted finding goes: the agent's own words in the same message stay.
    assert spans(d.analyze("“ 爱买不买 ” 不应该 , 爱买不买").violations) == [("爱买不买", 15, 19)]


def test_an_unless_mask_excuses_only_the_hit_it_covers():
    d = tiny(violations=(ViolationCue("最好的", ("全网最低",), unless=("!卖得*最好的",)),))
    assert d.analyze("卖得 最好的").violations == ()
    assert d.analyze("卖得 最好的 , 全网最低").violation_phrases == ["全网最低"]
    assert d.analyze("效果 最好的").violation_phrases == ["最好的"]


# ---------------------------------------------------------------------------------------------
# Generalisation: paraphrase families reported by scenario writers (positive and negative)
# ---------------------------------------------------------------------------------------------

GENERAL_MOVES = [
    ("15Pro有现货的，这款四角加了气囊，防摔效果好", "recommend", True),
    ("炸篮可以拆下来洗，很安心", "recommend", True),
    ("这款已经通过了3C认证，不会夹手，您放心", "recommend", True),
    ("请问家里平时几个人吃饭呢？", "inquire", True),
    ("请问大概要多少箱呢？送几个地方？", "inquire", True),
    ("亲，欢迎回来！", "greet", True),
    ("欢迎您再次光临XX旗舰店，我是客服小美", "greet", True),
    ("欢迎您再次光临XX旗舰店，我是客服小美", "farewell", False),
    ("感谢您的惠顾，欢迎再次光临～", "farewell", True),
    ("亲，这款推车只有5.8公斤，折叠后可以带上飞机", "explain", True),
    ("学生党预算有限很正常", "empathize", True),
    ("亲，您看要不要先拍一台试试呢？", "confirm", True),
    ("亲，我们支持30天价保", "remedy", True),
    ("降价了给您补差价", "remedy", True),
    ("请问您是买给自己用还是送人呢？", "negotiate", False),
    ("请问您是买给自己用还是送人呢？", "remedy", False),
    ("评价都是个别的", "follow_up", False),
    ("亲，这个是质量问题，我们肯定负责的", "explain", True),
    ("按规定退款时间是从仓库收到退货开始算的", "explain", True),
    ("按规定退款时间是从仓库收到退货开始算的", "legal", True),
    ("那位客服我们会严肃处理，给您一个交代", "follow_up", True),
    ("补偿今天到账，到账后我再跟您确认一下，感谢您的理解。", "follow_up", True),
    ("补偿今天到账，到账后我再跟您确认一下，感谢您的理解。", "farewell", True),
    ("差价今天就给您原路退回，一般24小时内到账", "remedy", True),
    ("差价今天就给您原路退回，一般24小时内到账", "follow_up", True),
    ("您放心，这个不需要您联系快递，运输过程中的损坏由我们负责", "explain", True),
    ("您放心，这个不需要您联系快递，运输过程中的损坏由我们负责", "remedy", False),
    ("亲，新款跑鞋上架了", "explain", False),
    ("收到的和想象中不一样", "explain", False),
    ("嫌贵别买", "negotiate", False),
    ("为了给您推荐合适的床垫，想先了解几个情况", "recommend", False),
    ("收到，明天上午给您送过去，谢谢哈", "negotiate", False),
    ("蔫的那束也不用退回来，剪短根部泡水就好", "remedy", True),
    ("好的亲 明天我再来问问您哈", "follow_up", True),
    ("好的 有需要再来哈", "farewell", True),
    ("谢谢您的说明。这套教材第一册不要求认五线谱", "farewell", False),
    ("另外为表歉意，保修期重新计算90天", "apologize", False),
    ("一般漏水都是这个原因", "explain", True),
    ("内胆是加厚搪瓷的，整机质保8年", "explain", True),
    ("这套是洞洞书，不是看两遍就丢的那种", "explain", True),
    ("你开封之后放哪了？是不是没封好", "clarify", True),
    ("您看这样是不是放心一些了？", "clarify", False),
    ("请问绿线是一直存在，是否认可这样的处理方式？", "confirm", True),
]


@pytest.mark.parametrize(
    ("text", "move", "expected"), GENERAL_MOVES, ids=numbered("general", GENERAL_MOVES)
)
def test_general_move_families(detector, text, move, expected):
    assert (move in detector.analyze(text).moves) is expected


GENERAL_VIOLATIONS = [
    ("绝对不会过敏的，放心用", True),
    ("这款面霜不能根治敏感肌", False),
    ("学生党觉得贵、怕买不起很正常", False),
    ("不可能是假的", True),
    ("售后的事你去找厂家", True),
    ("家长担心没办法陪孩子练，这很常见", False),
    ("娃能自己翻一下午", False),
    ("不敢说全网最低哈，不过现在下单送表带", False),
    ("100%不会漏，全网防水第一", True),
    ("那就是你自己保存的问题", True),
    ("不能 价格就这样", True),
    ("平台不让发 信就买 不信就算了", True),
    ("那你自己决定吧", True),
    ("好的 转了 记得改好评哦", True),
    ("您加我vx 我私下转您30块补偿", True),
    ("规定就是规定，没什么好说的", True),
    ("问我也没用，别找我", True),
]


@pytest.mark.parametrize(
    ("text", "expected"), GENERAL_VIOLATIONS, ids=numbered("general_viol", GENERAL_VIOLATIONS)
)
def test_general_violation_families(detector, text, expected):
    assert bool(detector.analyze(text).violations) is expected


GENERAL_CONCESSIONS = [
    ("送您一张钢化膜", "赠品", True),
    ("再给您每箱送一张企业定制贺卡", "赠品", True),
    ("我帮您跟店长申请一下，299元到手，这真的是最低了", "最低价", True),
    ("降价了给您补差价", "退款", True),
    ("定做的商品不适用七天无理由退货", "退货", False),
    ("麻烦您提供一下退货的快递单号", "退货", False),
    ("可以给您退货退款，运费我们承担", "退货", True),
]


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    GENERAL_CONCESSIONS,
    ids=numbered("general_conc", GENERAL_CONCESSIONS),
)
def test_general_concessions(detector, text, kind, expected):
    assert (kind in detector.analyze(text).concessions) is expected


@pytest.mark.parametrize(
    ("text", "word"),
    [("请问您之前是遇到过什么情况吗？", "请问"), ("您的感受我完全理解", "您的")],
)
def test_polite_words_inside_longer_words_count(detector, text, word):
    assert word in [h.words for h in detector.analyze(text).polite]


@pytest.mark.parametrize(
    "text", ["您看这样可以吗？", "到时候会短信提醒您。", "第一束这周五给您送到", "请问您需要什么"]
)
def test_nin_is_polite_inside_any_word_of_the_segmentation(detector, text):
    # 您 is in polite_anywhere: no other word holds it, so 请问您 and 您看这样 count.
    assert any("您" in h.words for h in detector.analyze(text).polite)


@pytest.mark.parametrize("text", ["他亲自去申请的", "母亲节快到了"])
def test_single_character_polite_words_need_word_boundaries(detector, text):
    assert not detector.analyze(text).polite
