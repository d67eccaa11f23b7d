PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE conversations (
	id VARCHAR(64) NOT NULL, 
	scenario_id VARCHAR(200), 
	scenario_hash VARCHAR(128), 
	kind VARCHAR(20) NOT NULL, 
	title TEXT, 
	seed BIGINT, 
	state VARCHAR(200), 
	mood INTEGER, 
	misses INTEGER, 
	turn INTEGER, 
	outcome VARCHAR(100), 
	channel VARCHAR(20) NOT NULL, 
	mode VARCHAR(20) NOT NULL, 
	candidate VARCHAR(200), 
	started_at_utc DATETIME NOT NULL, 
	started_at_offset INTEGER, 
	ended_at_utc DATETIME, 
	ended_at_offset INTEGER, 
	source TEXT, 
	CONSTRAINT pk_conversations PRIMARY KEY (id), 
	CONSTRAINT ck_conversations_kind CHECK (kind IN ('presale', 'objection', 'complaint'))
);
INSERT INTO conversations VALUES('20261206-024259-d9fc','presale-dress-size','9cd6513b5f29948a','presale','纠结尺码的连衣裙顾客',1,'price',3,0,3,'unfinished','terminal','practice',NULL,'2026-12-06 02:42:59.620828',0,'2026-12-06 02:42:59.674332',0,NULL);
INSERT INTO conversations VALUES('20261206-024301-a0db','complaint-not-as-described','e2a805649b9c64b3','complaint','觉得定做窗帘和图片不一样的顾客',1396184477,'photo',3,1,3,'unfinished','terminal','exam','20260004','2026-12-06 02:43:01.627527',0,'2026-12-06 02:43:01.662553',0,NULL);
INSERT INTO conversations VALUES('dev-complaint-01',NULL,NULL,'complaint',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'import','practice',NULL,'2026-06-26 00:45:17.000000',28800,'2026-06-26 00:50:27.000000',28800,'dev-complaint-01.json');
INSERT INTO conversations VALUES('dev-complaint-02',NULL,NULL,'complaint',NULL,NULL,NULL,NULL,NULL,NULL,NULL,'import','practice',NULL,'2026-06-29 07:00:08.000000',28800,'2026-06-30 03:29:40.000000',28800,'dev-complaint-02.json');
INSERT INTO conversations VALUES('20261206-024308-7cb2','complaint-not-as-described','e2a805649b9c64b3','complaint','觉得定做窗帘和图片不一样的顾客',2074312037,'escalated',0,0,1,'escalated','terminal','exam','20260005','2026-12-06 02:43:08.644383',0,'2026-12-06 02:43:08.663437',0,NULL);
CREATE TABLE exams (
	id INTEGER NOT NULL, 
	name VARCHAR(200) NOT NULL, 
	date VARCHAR(10) NOT NULL, 
	created_at_utc DATETIME NOT NULL, 
	service VARCHAR(20) DEFAULT 'both' NOT NULL, 
	threshold FLOAT DEFAULT '2' NOT NULL, 
	seed BIGINT, 
	drawn_at_utc DATETIME, 
	CONSTRAINT pk_exams PRIMARY KEY (id)
);
INSERT INTO exams VALUES(1,'2026 电商技能考核','2026-06-10','2026-12-06 02:42:52.082488','both',2.0,20260610,'2026-12-06 02:42:53.857550');
CREATE TABLE scenario_versions (
	hash VARCHAR(128) NOT NULL, 
	scenario_id VARCHAR(200) NOT NULL, 
	content TEXT NOT NULL, 
	pinned_at_utc DATETIME NOT NULL, 
	CONSTRAINT pk_scenario_versions PRIMARY KEY (hash)
);
INSERT INTO scenario_versions VALUES('e2a805649b9c64b3','complaint-not-as-described','{"version":1,"id":"complaint-not-as-described","kind":"complaint","title":"觉得定做窗帘和图片不一样的顾客","difficulty":"normal","brief":{"shop":"织梦家居布艺旗舰店","product":{"name":"定制棉麻混纺遮光窗帘（燕麦色，按尺寸定做）","price":586.0,"specs":{"订单号":"9034417268","尺寸":"宽 2.8 米 × 高 2.6 米，两幅","面料":"棉 30%、麻 20%、涤纶 50%","页面说明":"定制商品不支持七天无理由退货；图片与实物可能存在轻微色差"},"sizes":[],"stock":null,"shipping":"已签收 3 天"},"situation":"顾客三天前收到按自家窗户尺寸定做的遮光窗帘（燕麦色），装上后觉得颜色比详情页图片暗、偏灰，面料摸着“不像棉麻”，认为货不对板，要求七天无理由退货。经查：发出的就是顾客下单的燕麦色，与同批次色卡一致；图片在影棚灯光下拍摄，详情页已注明“图片与实物可能存在轻微色差”；面料为棉 30%、麻 20%、涤纶 50% 的棉麻混纺，与商品参数一致；尺寸做工无误。请处理这起投诉。","concessions":{"补偿":"可以补偿 30 元，退回原支付账户","优惠券":"可以送一张 50 元无门槛优惠券","赠品":"可以送一对同色窗帘绑带"},"notes":["消费者权益保护法第二十五条：消费者定作的商品不适用七日无理由退货。","如果是尺寸做错、破损等质量问题，可以按第二十四条退换；这单经核实不是质量问题。","顾客理亏也要先处理情绪：不能说“你自己没看详情页”“色差很正常，不可能退”。"]},"customer":{"name":"孙女士","profile":"34 岁，刚装修完新房，对软装颜色很讲究。窗帘装上后觉得整个客厅都暗了，心里很不痛快。","mood":2,"patience":2},"start":"opening","states":{"opening":{"says":["你们这窗帘跟图片差太多了吧！图上是奶白色，收到灰扑扑的，料子摸着也不像棉麻。我要退货！","在吗？窗帘颜色和详情页完全不是一回事，货不对板，给我退了！","你们图片修得也太狠了吧？收到的窗帘又灰又暗，我要七天无理由退货。"],"on":[{"when":["apologize","empathize"],"go":"details","if":[],"do":["calm_down"],"offers":[]},{"when":["greet","clarify"],"go":"cold","if":[],"do":[],"offers":[]},{"when":["legal"],"go":"brushed","if":[],"do":["annoy"],"offers":[]}],"nudge":["有人吗？我要退货！","你倒是回我啊，这窗帘到底能不能退？"],"end":null,"tip":["亲，非常抱歉让您失望了，期待了好久的窗帘和想象中有差别，心里肯定不舒服，我非常理解。"]},"cold":{"says":["订单号 9034417268，照片发你了。东西跟图片不一样，你们一句抱歉都没有？","照片发你了，单号 9034417268。货不对板还这么冷冰冰的？"],"on":[{"when":["apologize","empathize"],"go":"photo_again","if":[],"do":["calm_down"],"offers":[]}],"nudge":["你们就不能先说句抱歉？","就这态度？"],"end":null,"tip":["不好意思亲，让您失望了，刚装好新家遇到这种事，换作是我也会不开心，我马上帮您看看。"]},"details":{"says":["昨天刚装上，颜色比图片暗一大截，整个客厅都灰了。你们这不是货不对板吗？","我是看了图片上那个奶白色才买的，装上一看灰扑扑的，料子也不像棉麻，太失望了。"],"on":[{"when":["clarify"],"go":"photo","if":[],"do":[],"offers":[]}],"nudge":["你说这怎么办吧。","要不要我拍给你看？"],"end":null,"tip":["麻烦您在白天自然光下拍一张窗帘的照片，再提供一下订单号好吗？"]},"photo":{"says":["订单号 9034417268，照片发你了，白天拉开拍的。你对比下详情页，能是一个颜色吗？","单号 9034417268，照片拍了。你看看，这哪是奶白色？"],"on":[{"when":["legal"],"go":"why_color","if":["polite"],"do":[],"offers":[]},{"when":["legal"],"go":"brushed","if":[],"do":["annoy"],"offers":[]},{"when":["explain"],"go":"return_demand","if":[],"do":[],"offers":[]},{"when":["apologize","empathize"],"go":"photo_again","if":["upset"],"do":["calm_down"],"offers":[]}],"nudge":["照片看了吗？是不是不一样？","颜色差这么多你怎么说？"],"end":null,"tip":["亲，跟您解释一下，您收到的就是燕麦色，详情页的图片是在影棚灯光下拍的，加上手机屏幕显示也会有色差，所以看起来偏白一些；面料是棉麻混纺，棉30%、麻20%、涤纶50%，和商品参数里标注的一致。"]},"photo_again":{"says":["哼。照片你也看到了，这颜色和图片能一样吗？","行吧。那你说说，颜色差这么多是怎么回事？"],"on":[{"when":["legal"],"go":"why_color","if":["polite"],"do":[],"offers":[]},{"when":["legal"],"go":"brushed","if":[],"do":["annoy"],"offers":[]},{"when":["explain"],"go":"return_demand","if":[],"do":[],"offers":[]},{"when":["apologize","empathize"],"go":"photo_again","if":["upset"],"do":["calm_down"],"offers":[]}],"nudge":["颜色差这么多你怎么说？"],"end":null,"tip":["亲，跟您说明一下，发给您的就是燕麦色，和色卡一致；图片是影棚灯光下拍的，屏幕显示也会有色差，所以看着偏白。面料是棉麻混纺，成分和商品参数一致。"]},"why_color":{"says":["不能退？可颜色差这么多，你们总得给个说法吧？","就算是定做的，跟图片差这么多，我心里这口气也咽不下。"],"on":[{"when":["remedy"],"go":"accepts","if":["calm"],"do":[],"offers":["补偿","优惠券","赠品"]},{"when":["explain"],"go":"reluctant","if":[],"do":[],"offers":[]},{"when":["apologize","empathize"],"go":"why_color","if":["upset"],"do":["calm_down"],"offers":[]}],"nudge":["颜色的事你还没解释呢。","你们就一点表示都没有？"],"end":null,"tip":["亲，您收到的就是燕麦色，和同批次色卡一致；详情页图片是在影棚灯光下拍的，屏幕显示也会有色差，所以看起来偏白一些，这属于正常的色差，不是发错货。"]},"return_demand":{"says":["就算是色差，我不喜欢就要退。七天无理由不是随便退吗？我收到才三天。","色差也是你们图片的问题。我才收到三天，按七天无理由给我退了。"],"on":[{"when":["legal"],"go":"reluctant","if":["polite"],"do":[],"offers":[]},{"when":["legal"],"go":"brushed","if":[],"do":["annoy"],"offers":[]},{"when":["remedy"],"go":"coupon_first","if":[],"do":[],"offers":["补偿","优惠券","赠品"]},{"when":["apologize","empathize"],"go":"return_demand","if":["upset"],"do":["calm_down"],"offers":[]}],"nudge":["我就问，能不能七天无理由退？","到底能不能退？"],"end":null,"tip":["亲，跟您说明一下，这款窗帘是按您家的尺寸定做的，根据消费者权益保护法第二十五条，定做的商品不适用七天无理由退货，还请您理解。"]},"coupon_first":{"says":["给张券就想打发我？我问的是能不能退！","先别说补偿，你就告诉我，为什么不能七天无理由？"],"on":[{"when":["legal"],"go":"reluctant","if":["polite"],"do":[],"offers":[]},{"when":["legal"],"go":"brushed","if":[],"do":["annoy"],"offers":[]}],"nudge":["能不能退，你说清楚。"],"end":null,"tip":["亲，实在抱歉没先跟您说清楚：这款窗帘是按您家的尺寸定做的，根据消费者权益保护法第二十五条，定做商品不适用七天无理由退货，还请您理解。"]},"brushed":{"says":["一句“定制不退”就把我打发了？你们卖的时候怎么不说清楚？","就甩给我一句规定？你们就是这么对待顾客的？"],"on":[{"when":["apologize","empathize"],"go":"return_demand","if":[],"do":["calm_down"],"offers":[]}],"nudge":["你就这态度？","连句好话都没有？"],"end":null,"tip":["抱歉亲，是我刚才说得太生硬了，我理解您的心情，我好好跟您解释一下。"]},"reluctant":{"says":["定做的就不能退……那我五百多块钱买了个不喜欢的颜色，就这么算了？","好吧，定做的我认了。可我心里还是不舒服，你们就一点表示都没有？"],"on":[{"when":["remedy"],"go":"accepts","if":["calm"],"do":[],"offers":["补偿","优惠券","赠品"]},{"when":["apologize","empathize"],"go":"reluctant","if":["upset"],"do":["calm_down"],"offers":[]}],"nudge":["你们就一点表示都没有？","那我就这么认了？"],"end":null,"tip":["为了表示歉意，我给您申请30元补偿，再送您一张50元无门槛优惠券，下次买家居用品可以用，您看可以吗？"]},"accepts":{"says":["那好吧……下次你们图片拍准一点。补偿什么时候到？","行吧，看你态度还不错，就这样吧。钱什么时候退给我？","好吧，那就这样。优惠券在哪看？"],"on":[{"when":["follow_up","farewell"],"go":"resolved","if":[],"do":[],"offers":[]}],"nudge":["补偿什么时候到账？","那就这样吧？"],"end":null,"tip":["补偿今天会退到您的支付账户，优惠券已经发到您的账户里了，之后窗帘使用中有任何问题随时联系我，感谢您的理解。"]},"resolved":{"says":["好的，知道了。挂久了看看吧，也许能看顺眼。","行，谢谢你耐心解释。","好，那就这样吧。"],"on":[],"nudge":[],"end":"resolved","tip":[]},"escalated":{"says":["什么态度！我要去平台投诉你们虚假宣传，差评也少不了！","算了，跟你们说不清，我打12315。","不用说了，我直接申请平台介入。"],"on":[],"nudge":[],"end":"escalated","tip":[]}},"when_ignored":{"says":["你到底有没有在看我发的？","问你半天都不正面回答，你们就是这么处理问题的？","再不给说法我就去平台投诉了。"],"go":"escalated","mood_drop":2},"when_offended":{"says":["你这是什么态度？我是来解决问题的！","怪我没看？你们图片就拍得跟实物不一样！","好好说话会不会？"],"go":"escalated","mood_drop":2}}','2026-12-06 02:42:53.865721');
CREATE TABLE users (
	name VARCHAR(100) NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	created_at_utc DATETIME NOT NULL, 
	CONSTRAINT pk_users PRIMARY KEY (name), 
	CONSTRAINT ck_users_role CHECK (role IN ('grader', 'chief_grader', 'admin'))
);
INSERT INTO users VALUES('王主任','admin','2026-12-06 02:42:49.652998');
INSERT INTO users VALUES('李老师','grader','2026-12-06 02:42:50.571393');
INSERT INTO users VALUES('赵组长','chief_grader','2026-12-06 02:42:51.278205');
CREATE TABLE audit_log (
	id INTEGER NOT NULL, 
	at_utc DATETIME NOT NULL, 
	actor VARCHAR(100) NOT NULL, 
	action VARCHAR(40) NOT NULL, 
	exam_id INTEGER, 
	sheet_id INTEGER, 
	exam_number VARCHAR(64), 
	row_id VARCHAR(100), 
	"before" TEXT, 
	"after" TEXT, 
	reason TEXT NOT NULL, 
	CONSTRAINT pk_audit_log PRIMARY KEY (id)
);
INSERT INTO audit_log VALUES(1,'2026-12-06 02:42:49.653222','王主任','user',NULL,NULL,NULL,NULL,NULL,'王主任（管理员）','');
INSERT INTO audit_log VALUES(2,'2026-12-06 02:42:50.571512','王主任','user',NULL,NULL,NULL,NULL,NULL,'李老师（评分员）','');
INSERT INTO audit_log VALUES(3,'2026-12-06 02:42:51.278321','王主任','user',NULL,NULL,NULL,NULL,NULL,'赵组长（主评分员）','');
INSERT INTO audit_log VALUES(4,'2026-12-06 02:42:52.084728','王主任','exam',1,NULL,NULL,NULL,NULL,'2026 电商技能考核（2026-06-10）','');
INSERT INTO audit_log VALUES(5,'2026-12-06 02:42:52.912272','王主任','roster',1,NULL,NULL,NULL,NULL,'5 人','/tmp/olddb/roster.csv');
INSERT INTO audit_log VALUES(6,'2026-12-06 02:42:53.871102','王主任','draw',1,NULL,NULL,NULL,NULL,'种子 20260610，5 人','');
INSERT INTO audit_log VALUES(7,'2026-12-06 02:43:01.716776','kefu','auto',1,4,'20260004','cs_aftersale.p5',NULL,'8','对话结束，自动评分');
INSERT INTO audit_log VALUES(8,'2026-12-06 02:43:01.716906','kefu','auto',1,4,'20260004','cs_aftersale.p6',NULL,'6','对话结束，自动评分');
INSERT INTO audit_log VALUES(9,'2026-12-06 02:43:01.716939','kefu','auto',1,4,'20260004','cs_aftersale.p7',NULL,'0','对话结束，自动评分');
INSERT INTO audit_log VALUES(10,'2026-12-06 02:43:01.716966','kefu','auto',1,4,'20260004','cs_aftersale.p9',NULL,'5','对话结束，自动评分');
INSERT INTO audit_log VALUES(11,'2026-12-06 02:43:08.724186','kefu','auto',1,5,'20260005','cs_aftersale.p5',NULL,'1.5','对话结束，自动评分');
INSERT INTO audit_log VALUES(12,'2026-12-06 02:43:08.724328','kefu','auto',1,5,'20260005','cs_aftersale.p6',NULL,'0','对话结束，自动评分');
INSERT INTO audit_log VALUES(13,'2026-12-06 02:43:08.724362','kefu','auto',1,5,'20260005','cs_aftersale.p7',NULL,'0','对话结束，自动评分');
INSERT INTO audit_log VALUES(14,'2026-12-06 02:43:08.724388','kefu','auto',1,5,'20260005','cs_aftersale.p9',NULL,'0','对话结束，自动评分');
INSERT INTO audit_log VALUES(15,'2026-12-06 02:43:09.496527','李老师','marker',1,1,'20260001',NULL,NULL,'第 1 评','');
INSERT INTO audit_log VALUES(16,'2026-12-06 02:43:09.499638','李老师','mark',1,1,'20260001','new_media.p1@1',NULL,'8','');
INSERT INTO audit_log VALUES(17,'2026-12-06 02:43:09.499721','李老师','mark',1,1,'20260001','new_media.p2@1',NULL,'9','');
INSERT INTO audit_log VALUES(18,'2026-12-06 02:43:15.946890','李老师','mark',1,1,'20260001','new_media.p3@1',NULL,'10','');
INSERT INTO audit_log VALUES(19,'2026-12-06 02:43:15.947001','李老师','mark',1,1,'20260001','new_media.p4@1',NULL,'5','');
INSERT INTO audit_log VALUES(20,'2026-12-06 02:43:15.947051','李老师','mark',1,1,'20260001','new_media.p5@1',NULL,'6','');
INSERT INTO audit_log VALUES(21,'2026-12-06 02:43:15.947088','李老师','mark',1,1,'20260001','new_media.p6@1',NULL,'7','');
INSERT INTO audit_log VALUES(22,'2026-12-06 02:43:15.947142','李老师','mark',1,1,'20260001','new_media.p7@1',NULL,'4','');
INSERT INTO audit_log VALUES(23,'2026-12-06 02:43:16.695435','李老师','signoff',1,1,'20260001',NULL,NULL,'49','');
INSERT INTO audit_log VALUES(24,'2026-12-06 02:43:16.695524','李老师','finalise',1,1,'20260001',NULL,NULL,'49','签字：李老师');
CREATE TABLE tg_inbox (
	update_id BIGINT NOT NULL, 
	chat_id BIGINT, 
	message_id BIGINT, 
	payload JSON NOT NULL, 
	received_at_utc DATETIME NOT NULL, 
	conversation_id VARCHAR(64), 
	agent_seq INTEGER, 
	handled_at_utc DATETIME, 
	CONSTRAINT pk_tg_inbox PRIMARY KEY (update_id)
);
CREATE TABLE tg_outbox (
	id INTEGER NOT NULL, 
	chat_id BIGINT NOT NULL, 
	text TEXT NOT NULL, 
	reply_markup JSON, 
	update_id BIGINT, 
	created_at_utc DATETIME NOT NULL, 
	sent_at_utc DATETIME, 
	error TEXT, 
	CONSTRAINT pk_tg_outbox PRIMARY KEY (id)
);
CREATE TABLE tg_chats (
	chat_id BIGINT NOT NULL, 
	conversation_id VARCHAR(64) NOT NULL, 
	mode VARCHAR(20) NOT NULL, 
	code VARCHAR(64), 
	nudge_at_utc DATETIME, 
	ends_at_utc DATETIME, 
	CONSTRAINT pk_tg_chats PRIMARY KEY (chat_id)
);
CREATE TABLE tg_notes (
	id INTEGER NOT NULL, 
	update_id BIGINT, 
	chat_id BIGINT NOT NULL, 
	conversation_id VARCHAR(64), 
	kind VARCHAR(20) NOT NULL, 
	detail JSON NOT NULL, 
	ref_message_id BIGINT, 
	ref_seq INTEGER, 
	at_utc DATETIME NOT NULL, 
	CONSTRAINT pk_tg_notes PRIMARY KEY (id), 
	CONSTRAINT uq_tg_notes_update_id UNIQUE (update_id)
);
CREATE TABLE exam_codes (
	code VARCHAR(64) NOT NULL, 
	scenario_id VARCHAR(200) NOT NULL, 
	scenario_hash VARCHAR(128), 
	created_at_utc DATETIME NOT NULL, 
	used_at_utc DATETIME, 
	chat_id BIGINT, 
	conversation_id VARCHAR(64), 
	holder VARCHAR(200), 
	held_at_utc DATETIME, 
	CONSTRAINT pk_exam_codes PRIMARY KEY (code)
);
INSERT INTO exam_codes VALUES('NMXQFYHY','complaint-not-as-described','e2a805649b9c64b3','2026-12-06 02:42:53.857550','2026-12-06 02:43:01.637985',NULL,'20261206-024301-a0db',NULL,NULL);
INSERT INTO exam_codes VALUES('RNC83EDJ','complaint-not-as-described','e2a805649b9c64b3','2026-12-06 02:42:53.857550','2026-12-06 02:43:08.656260',NULL,'20261206-024308-7cb2',NULL,NULL);
INSERT INTO exam_codes VALUES('4SPSW3E4','presale-dress-size',NULL,'2026-12-06 02:43:18.184880',NULL,NULL,NULL,NULL,NULL);
INSERT INTO exam_codes VALUES('EEP3T63R','presale-dress-size',NULL,'2026-12-06 02:43:18.184880',NULL,NULL,NULL,NULL,NULL);
CREATE TABLE messages (
	id INTEGER NOT NULL, 
	conversation_id VARCHAR(64) NOT NULL, 
	seq INTEGER NOT NULL, 
	role VARCHAR(20) NOT NULL, 
	text TEXT NOT NULL, 
	at_utc DATETIME, 
	at_offset INTEGER, 
	moves JSON NOT NULL, 
	violations JSON NOT NULL, 
	CONSTRAINT pk_messages PRIMARY KEY (id), 
	CONSTRAINT uq_messages_conversation_id_seq UNIQUE (conversation_id, seq), 
	CONSTRAINT ck_messages_role CHECK (role IN ('customer', 'agent')), 
	CONSTRAINT ck_messages_seq CHECK (seq >= 0), 
	CONSTRAINT fk_messages_conversation_id_conversations FOREIGN KEY(conversation_id) REFERENCES conversations (id) ON DELETE CASCADE
);
INSERT INTO messages VALUES(1,'20261206-024259-d9fc',0,'customer','在不在呀，想问下这条裙子','2026-12-06 02:42:59.620828',0,'[]','[]');
INSERT INTO messages VALUES(2,'20261206-024259-d9fc',1,'agent','亲，您好～欢迎光临','2026-12-06 02:42:59.658437',0,'["greet"]','[]');
INSERT INTO messages VALUES(3,'20261206-024259-d9fc',2,'customer','我怕尺码不合适，你们家的码准吗？','2026-12-06 02:42:59.661014',0,'[]','[]');
INSERT INTO messages VALUES(4,'20261206-024259-d9fc',3,'agent','请问您身高体重多少？','2026-12-06 02:42:59.665805',0,'["inquire", "clarify"]','[]');
INSERT INTO messages VALUES(5,'20261206-024259-d9fc',4,'customer','身高162，体重112，不喜欢太紧的','2026-12-06 02:42:59.667891',0,'[]','[]');
INSERT INTO messages VALUES(6,'20261206-024259-d9fc',5,'agent','推荐您选M码哦','2026-12-06 02:42:59.670246',0,'["recommend"]','[]');
INSERT INTO messages VALUES(7,'20261206-024259-d9fc',6,'customer','行，M码吧。价格能不能再少点？','2026-12-06 02:42:59.672022',0,'[]','[]');
INSERT INTO messages VALUES(8,'20261206-024301-a0db',0,'customer','你们这窗帘跟图片差太多了吧！图上是奶白色，收到灰扑扑的，料子摸着也不像棉麻。我要退货！','2026-12-06 02:43:01.627527',0,'[]','[]');
INSERT INTO messages VALUES(9,'20261206-024301-a0db',1,'agent','您好，非常抱歉给您带来不便','2026-12-06 02:43:01.642362',0,'["greet", "apologize"]','[]');
INSERT INTO messages VALUES(10,'20261206-024301-a0db',2,'customer','我是看了图片上那个奶白色才买的，装上一看灰扑扑的，料子也不像棉麻，太失望了。','2026-12-06 02:43:01.645130',0,'[]','[]');
INSERT INTO messages VALUES(11,'20261206-024301-a0db',3,'agent','请问是哪里和描述不一样呢？','2026-12-06 02:43:01.649191',0,'["inquire", "clarify"]','[]');
INSERT INTO messages VALUES(12,'20261206-024301-a0db',4,'customer','单号 9034417268，照片拍了。你看看，这哪是奶白色？','2026-12-06 02:43:01.651249',0,'[]','[]');
INSERT INTO messages VALUES(13,'20261206-024301-a0db',5,'agent','我们给您退货退款，运费我们承担','2026-12-06 02:43:01.654220',0,'["negotiate", "remedy"]','[]');
INSERT INTO messages VALUES(14,'20261206-024301-a0db',6,'customer','颜色差这么多你怎么说？','2026-12-06 02:43:01.658466',0,'[]','[]');
INSERT INTO messages VALUES(15,'dev-complaint-01',0,'customer','你们的电热水壶才用了十天底座就漏水，差点漏电，太吓人了！','2026-06-26 00:45:17.000000',28800,'[]','[]');
INSERT INTO messages VALUES(16,'dev-complaint-01',1,'agent','您好，我是佳厨电器售后客服小周。真的非常抱歉，漏水还靠近电源，换谁都会被吓到，您和家人没事吧？请先拔掉电源别再用了🙏','2026-06-26 00:45:28.000000',28800,'[]','[]');
INSERT INTO messages VALUES(17,'dev-complaint-01',2,'customer','人没事，就是很生气，这才十天','2026-06-26 00:46:06.000000',28800,'[]','[]');
INSERT INTO messages VALUES(18,'dev-complaint-01',3,'agent','人没事就好。才用十天就出问题确实不应该，您生气完全能理解。麻烦您提供一下订单号，再拍一张漏水位置的照片或者短视频给我，我马上给您登记处理','2026-06-26 00:46:28.000000',28800,'[]','[]');
INSERT INTO messages VALUES(19,'dev-complaint-01',4,'customer','订单号 2026060512345678，视频发你了 [视频]','2026-06-26 00:48:00.000000',28800,'[]','[]');
INSERT INTO messages VALUES(20,'dev-complaint-01',5,'agent','收到了，看到是壶身和底座连接处的密封圈在渗水，属于产品质量问题。根据消费者权益保护法第24条，商品有质量问题，收货超过七天的您可以要求更换或者修理，来回运费由我们承担；您这种情况我们也同意直接退货退款。您看是想退款，还是给您换一个新的？','2026-06-26 00:48:31.000000',28800,'[]','[]');
INSERT INTO messages VALUES(21,'dev-complaint-01',6,'customer','换新的吧，但我不想再等那么久','2026-06-26 00:49:12.000000',28800,'[]','[]');
INSERT INTO messages VALUES(22,'dev-complaint-01',7,'agent','明白，您不用先寄回来，我今天就先给您补发一台新的，走顺丰，一般两天到；旧的等新壶到了，快递员上门取件就行，运费我们出。另外再补偿您一张20元无门槛券，给您添麻烦了。这样处理您看可以吗？','2026-06-26 00:49:38.000000',28800,'[]','[]');
INSERT INTO messages VALUES(23,'dev-complaint-01',8,'customer','可以，这样还行','2026-06-26 00:50:08.000000',28800,'[]','[]');
INSERT INTO messages VALUES(24,'dev-complaint-01',9,'agent','好的，谢谢您的理解！新壶发出后我把单号发您，明天我再跟进一下物流，收到后有任何问题随时找我，祝您生活愉快～','2026-06-26 00:50:27.000000',28800,'[]','[]');
INSERT INTO messages VALUES(25,'dev-complaint-02',0,'customer','我买的东西物流五天没动了，怎么回事','2026-06-29 07:00:08.000000',28800,'[]','[]');
INSERT INTO messages VALUES(26,'dev-complaint-02',1,'agent','您好，抱谦，麻烦提供下订单号','2026-06-29 07:00:50.000000',28800,'[]','[]');
INSERT INTO messages VALUES(27,'dev-complaint-02',2,'customer','51202366871','2026-06-29 07:01:19.000000',28800,'[]','[]');
INSERT INTO messages VALUES(28,'dev-complaint-02',3,'agent','查了下，包裹在郑州转运中心滞留了，应该是最近那边件多','2026-06-29 07:03:30.000000',28800,'[]','[]');
INSERT INTO messages VALUES(29,'dev-complaint-02',4,'customer','那什么时候能到？我急用','2026-06-29 07:04:03.000000',28800,'[]','[]');
INSERT INTO messages VALUES(30,'dev-complaint-02',5,'agent','我这边给快递发催件工单，一般24小时内会有回复，有消息了通知您','2026-06-29 07:04:43.000000',28800,'[]','[]');
INSERT INTO messages VALUES(31,'dev-complaint-02',6,'customer','要是丢了呢','2026-06-29 07:05:24.000000',28800,'[]','[]');
INSERT INTO messages VALUES(32,'dev-complaint-02',7,'agent','丢了的话会给您补发或者退款的，您放心','2026-06-29 07:06:22.000000',28800,'[]','[]');
INSERT INTO messages VALUES(33,'dev-complaint-02',8,'customer','行吧，那你们快点','2026-06-29 07:06:52.000000',28800,'[]','[]');
INSERT INTO messages VALUES(34,'dev-complaint-02',9,'agent','好的','2026-06-29 07:07:10.000000',28800,'[]','[]');
INSERT INTO messages VALUES(35,'dev-complaint-02',10,'agent','亲，您的包裹今天早上已经从郑州发出了，预计明天送达，给您同步一下～','2026-06-30 03:07:50.000000',28800,'[]','[]');
INSERT INTO messages VALUES(36,'dev-complaint-02',11,'customer','收到，谢谢','2026-06-30 03:29:40.000000',28800,'[]','[]');
INSERT INTO messages VALUES(37,'20261206-024308-7cb2',0,'customer','你们这窗帘跟图片差太多了吧！图上是奶白色，收到灰扑扑的，料子摸着也不像棉麻。我要退货！','2026-12-06 02:43:08.644383',0,'[]','[]');
INSERT INTO messages VALUES(38,'20261206-024308-7cb2',1,'agent','爱买不买','2026-12-06 02:43:08.660785',0,'[]','["\u7231\u4e70\u4e0d\u4e70"]');
INSERT INTO messages VALUES(39,'20261206-024308-7cb2',2,'customer','算了，跟你们说不清，我打12315。','2026-12-06 02:43:08.663437',0,'[]','[]');
CREATE TABLE candidates (
	id INTEGER NOT NULL, 
	exam_id INTEGER NOT NULL, 
	exam_number VARCHAR(64) NOT NULL, 
	name VARCHAR(100) NOT NULL, 
	class_name VARCHAR(100) NOT NULL, 
	school VARCHAR(200) NOT NULL, 
	roster_row INTEGER NOT NULL, 
	CONSTRAINT pk_candidates PRIMARY KEY (id), 
	CONSTRAINT uq_candidates_exam_id_exam_number UNIQUE (exam_id, exam_number), 
	CONSTRAINT fk_candidates_exam_id_exams FOREIGN KEY(exam_id) REFERENCES exams (id)
);
INSERT INTO candidates VALUES(1,1,'20260001','张三','电商1班','职校',2);
INSERT INTO candidates VALUES(2,1,'20260002','李四','电商1班','职校',3);
INSERT INTO candidates VALUES(3,1,'20260003','王五','电商2班','职校',4);
INSERT INTO candidates VALUES(4,1,'20260004','赵六','电商2班','职校',5);
INSERT INTO candidates VALUES(5,1,'20260005','钱七','电商2班','职校',6);
CREATE TABLE sheets (
	id INTEGER NOT NULL, 
	exam_id INTEGER NOT NULL, 
	candidate_id INTEGER NOT NULL, 
	module VARCHAR(40) NOT NULL, 
	project VARCHAR(60) NOT NULL, 
	form_id VARCHAR(100) NOT NULL, 
	scenario_id VARCHAR(200), 
	scenario_hash VARCHAR(128), 
	code VARCHAR(64), 
	auto JSON, 
	auto_total FLOAT, 
	final BOOLEAN NOT NULL, 
	locked JSON, 
	CONSTRAINT pk_sheets PRIMARY KEY (id), 
	CONSTRAINT uq_sheets_candidate_id UNIQUE (candidate_id), 
	CONSTRAINT fk_sheets_exam_id_exams FOREIGN KEY(exam_id) REFERENCES exams (id), 
	CONSTRAINT fk_sheets_candidate_id_candidates FOREIGN KEY(candidate_id) REFERENCES candidates (id)
);
INSERT INTO sheets VALUES(1,1,1,'new_media','mobile_new_media','form.nm_mobile',NULL,NULL,NULL,NULL,NULL,1,'{"new_media.p1": 8.0, "new_media.p2": 9.0, "new_media.p3": 10.0, "new_media.p4": 5.0, "new_media.p5": 6.0, "new_media.p6": 7.0, "new_media.p7": 4.0}');
INSERT INTO sheets VALUES(2,1,2,'platform_operations','b2c_c2c_operations','form.po_b2c_c2c',NULL,NULL,NULL,NULL,NULL,0,NULL);
INSERT INTO sheets VALUES(3,1,3,'visual_design','web_page_editing','form.vd_web_page',NULL,NULL,NULL,NULL,NULL,0,NULL);
INSERT INTO sheets VALUES(4,1,4,'customer_service','aftersale','form.cs_aftersale','complaint-not-as-described','e2a805649b9c64b3','NMXQFYHY','{"cs_aftersale.p5": [8.0, [1, 3, 5, 6], "\u6309\u804a\u5929\u8bc4\u5206\uff1a\u6295\u8bc9\u5904\u7406\u6d41\u7a0b\u4e0e\u65b9\u6cd5 27/45"], "cs_aftersale.p6": [6.0, [1, 6], "\u6309\u804a\u5929\u8bc4\u5206\uff1a\u6295\u8bc9\u5904\u7406\u8bdd\u8bed 21/35"], "cs_aftersale.p7": [0.0, [0], "\u6309\u804a\u5929\u8bc4\u5206\uff1a\u6cd5\u5f8b\u5e38\u8bc6\u4e0e\u7ef4\u6743\u5e2e\u52a9 0/15"], "cs_aftersale.p9": [5.0, [], "\u6309\u804a\u5929\u8bc4\u5206\uff1a\u804c\u4e1a\u7d20\u517b\uff08\u6c9f\u901a\u7528\u8bed\uff09 5/5"]}',53.0,0,NULL);
INSERT INTO sheets VALUES(5,1,5,'customer_service','aftersale','form.cs_aftersale','complaint-not-as-described','e2a805649b9c64b3','RNC83EDJ','{"cs_aftersale.p5": [1.5, [1, 2], "\u6309\u804a\u5929\u8bc4\u5206\uff1a\u6295\u8bc9\u5904\u7406\u6d41\u7a0b\u4e0e\u65b9\u6cd5 4.5/45"], "cs_aftersale.p6": [0.0, [1, 2], "\u6309\u804a\u5929\u8bc4\u5206\uff1a\u6295\u8bc9\u5904\u7406\u8bdd\u8bed 0/35"], "cs_aftersale.p7": [0.0, [0], "\u6309\u804a\u5929\u8bc4\u5206\uff1a\u6cd5\u5f8b\u5e38\u8bc6\u4e0e\u7ef4\u6743\u5e2e\u52a9 0/15"], "cs_aftersale.p9": [0.0, [1], "\u6309\u804a\u5929\u8bc4\u5206\uff1a\u804c\u4e1a\u7d20\u517b\uff08\u6c9f\u901a\u7528\u8bed\uff09 0/5"]}',4.5,0,NULL);
CREATE TABLE markers (
	id INTEGER NOT NULL, 
	sheet_id INTEGER NOT NULL, 
	round INTEGER NOT NULL, 
	grader VARCHAR(100) NOT NULL, 
	CONSTRAINT pk_markers PRIMARY KEY (id), 
	CONSTRAINT uq_markers_sheet_id_round UNIQUE (sheet_id, round), 
	CONSTRAINT uq_markers_sheet_id_grader UNIQUE (sheet_id, grader), 
	CONSTRAINT ck_markers_round CHECK (round IN (1, 2, 3)), 
	CONSTRAINT fk_markers_sheet_id_sheets FOREIGN KEY(sheet_id) REFERENCES sheets (id), 
	CONSTRAINT fk_markers_grader_users FOREIGN KEY(grader) REFERENCES users (name)
);
INSERT INTO markers VALUES(1,1,1,'李老师');
CREATE TABLE marks (
	id INTEGER NOT NULL, 
	sheet_id INTEGER NOT NULL, 
	round INTEGER NOT NULL, 
	row_id VARCHAR(100) NOT NULL, 
	points FLOAT NOT NULL, 
	reason TEXT NOT NULL, 
	CONSTRAINT pk_marks PRIMARY KEY (id), 
	CONSTRAINT uq_marks_sheet_id_round_row_id UNIQUE (sheet_id, round, row_id), 
	CONSTRAINT fk_marks_sheet_id_sheets FOREIGN KEY(sheet_id) REFERENCES sheets (id)
);
INSERT INTO marks VALUES(1,1,1,'new_media.p1',8.0,'');
INSERT INTO marks VALUES(2,1,1,'new_media.p2',9.0,'');
INSERT INTO marks VALUES(3,1,1,'new_media.p3',10.0,'');
INSERT INTO marks VALUES(4,1,1,'new_media.p4',5.0,'');
INSERT INTO marks VALUES(5,1,1,'new_media.p5',6.0,'');
INSERT INTO marks VALUES(6,1,1,'new_media.p6',7.0,'');
INSERT INTO marks VALUES(7,1,1,'new_media.p7',4.0,'');
CREATE TABLE signoffs (
	id INTEGER NOT NULL, 
	sheet_id INTEGER NOT NULL, 
	grader VARCHAR(100) NOT NULL, 
	at_utc DATETIME NOT NULL, 
	CONSTRAINT pk_signoffs PRIMARY KEY (id), 
	CONSTRAINT uq_signoffs_sheet_id_grader UNIQUE (sheet_id, grader), 
	CONSTRAINT fk_signoffs_sheet_id_sheets FOREIGN KEY(sheet_id) REFERENCES sheets (id), 
	CONSTRAINT fk_signoffs_grader_users FOREIGN KEY(grader) REFERENCES users (name)
);
INSERT INTO signoffs VALUES(1,1,'李老师','2026-12-06 02:43:16.695308');
CREATE INDEX ix_conversations_started ON conversations (started_at_utc, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_replace BEFORE INSERT ON audit_log WHEN EXISTS (SELECT 1 FROM audit_log WHERE id = NEW.id) BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE INDEX ix_tg_inbox_pending ON tg_inbox (handled_at_utc, update_id);
CREATE INDEX ix_tg_outbox_pending ON tg_outbox (sent_at_utc, chat_id, id);
CREATE INDEX ix_tg_notes_chat_id ON tg_notes (chat_id);
COMMIT;
