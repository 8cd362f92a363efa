//! The chat of the last two days: every message `activity_daily` counts, written out —
//! self-introductions on the day a member joins, the staff's three SOP posts, generic
//! and per-group lines, pictures, stickers and @-mentions — in time order. The risky
//! ones are then planted by `risk`.

use rand::Rng;

use super::groups::GROUPS;
use super::names::self_intro;
use super::random::{pick, stream, time_of_day, uniform};
use super::{HOUR, LAST, MIN, Msg, Persona, World};

const GENERIC_LINES: [&str; 36] = [
    "收到,谢谢分享!",
    "好的好的",
    "哈哈哈哈哈",
    "👍👍👍",
    "打卡✅",
    "早上好☀️",
    "晚安🌙",
    "学到了,感谢群主",
    "同问",
    "+1",
    "有道理",
    "我也是这么想的",
    "这个好实用,收藏了",
    "请问还有名额吗?",
    "刚看到,晚点仔细看",
    "太真实了😂",
    "支持一下",
    "谢谢大家的建议🙏",
    "群里好热闹啊",
    "今天有点忙,潜水了",
    "周末愉快~",
    "辛苦群主了",
    "链接失效了,能再发一下吗?",
    "我来晚了,错过了什么?",
    "感觉可以试试",
    "说得太对了",
    "有没有一起的?",
    "同款同款",
    "赞同楼上",
    "[捂脸] 笑死我了",
    "这个价格可以啊",
    "先 mark 一下",
    "明天继续打卡",
    "大家都好厉害",
    "好的,已报名",
    "求链接",
];

const THEME_LINES: [&[&str]; 12] = [
    &[
        "宝宝最近不爱吃饭怎么办?",
        "我家老二 10 个月,夜里还是要醒两三次😭",
        "辅食泥是自己做还是买现成的呀?",
        "推荐一下适合两岁宝宝的绘本吗",
        "湿疹反反复复,有没有好用的面霜",
        "今天带娃去打疫苗,哭得撕心裂肺",
        "幼儿园报名要准备哪些材料?",
        "分享一个哄睡小技巧:白噪音真的有用",
        "宝宝发烧 38.5 要不要马上吃退烧药?",
        "有杭州的宝妈吗?周末一起遛娃",
        "奶粉转奶要注意什么?",
        "我家的也是,一到晚上就闹觉",
    ],
    &[
        "这件大衣有链接吗?",
        "小个子穿阔腿裤会不会显矮?",
        "通勤穿搭求推荐,预算 500 以内",
        "今天照着教程穿了,同事都说好看😄",
        "黑色西装配什么颜色内搭好看?",
        "面试穿什么比较稳妥?",
        "优惠券怎么领?",
        "尺码偏大还是偏小?",
        "春天的风衣可以入了吗",
        "梨形身材求推荐裤子",
        "上次买的衬衫质量很好,回购了",
    ],
    &[
        "老师,for 循环里怎么跳过当前这一次?",
        "第三课作业交在哪里?",
        "pip install 一直超时怎么办",
        "报错 IndentationError 是什么意思😭",
        "列表推导式终于看懂了!",
        "求问字典怎么按值排序",
        "今天的直播有回放吗?",
        "打卡第 12 天,坚持!",
        "Windows 下配置环境变量好麻烦",
        "助教老师,我的作业被打回了,哪里有问题?",
        "有没有一起组队做项目的",
        "VS Code 和 PyCharm 哪个适合新手?",
    ],
    &[
        "湖滨银泰新开的那家火锅有人去过吗?",
        "求推荐滨江好吃的日料",
        "周末探店团还有位置吗?",
        "知味观的小笼包还是那个味道",
        "胜利河美食街停车方便吗",
        "霸王餐名额什么时候抽?",
        "这家店排队太久了,等了一个半小时",
        "推荐一家性价比高的杭帮菜",
        "有没有一起去吃片儿川的",
        "今天吃了一家新疆菜,大盘鸡绝了",
        "最近群里好冷清啊",
    ],
    &[
        "今天的花束是照着周三教程插的🌷",
        "郁金香买回来第二天就开了怎么办",
        "鲜花保鲜剂有用吗?",
        "求推荐适合新手的花材",
        "花艺沙龙下次什么时候?",
        "绣球怎么醒花?",
        "这周的订阅花到了,好喜欢",
        "花艺剪刀用什么牌子的好",
        "客厅放什么花比较耐看",
    ],
    &[
        "会员日是这周五吗?",
        "积分怎么兑换?",
        "年卡可以给家人用吗",
        "上次的赠品还没收到,麻烦帮看下",
        "新品试用怎么申请?",
        "优惠券过期了还能补吗",
        "周五几点开抢?",
        "已下单,期待~",
        "这次的会员礼盒好精致",
        "满减可以和积分一起用吗?",
    ],
    &[
        "今日打卡:极限 3 题全对✅",
        "求问洛必达什么时候不能用",
        "数一的线代从哪本书开始?",
        "每天学 10 小时还是感觉来不及😭",
        "张宇和汤家凤的课怎么选?",
        "今天的真题第二问没思路",
        "一起组队监督吗?",
        "直播答疑几点开始?",
        "泰勒展开记不住怎么办",
        "二战的同学有吗,交流一下经验",
        "刷完 1800 题了,下一步做什么?",
    ],
    &[
        "冻干猫粮还有货吗?",
        "我家猫最近掉毛好严重",
        "狗狗驱虫多久一次?",
        "豆腐猫砂结团效果怎么样?",
        "秒杀几点开始?",
        "有没有滨江的宠物医院推荐",
        "小猫不爱喝水怎么办",
        "团长,我的货到哪了?",
        "上次团的罐头猫主子很爱吃",
        "狗狗洗澡多久一次合适?",
        "新手养猫需要准备哪些东西",
    ],
    &[
        "这周读到第五章了,写得真好",
        "《置身事内》第三章有点难懂",
        "下个月读什么书?",
        "读书笔记已发在共享文档里",
        "推荐一本适合睡前读的书",
        "今天通勤路上读了一个小时",
        "有没有电子版?",
        "这本书的观点我不太同意,想讨论一下",
        "周五的分享会我想报名",
        "坚持读书第 40 天",
    ],
    &[
        "净水器显示滤芯到期了,怎么换?",
        "出水变小了是什么原因",
        "师傅明天几点上门?",
        "滤芯在哪里买正品?",
        "安装费是多少?",
        "机器一直滴滴响",
        "已经换好了,谢谢售后小周",
        "保修期是多久?",
        "延保怎么买?",
        "水龙头漏水能上门看看吗",
    ],
    &[
        "周六的活动还能报名吗?",
        "西溪湿地那场几点集合?",
        "孩子 5 岁可以参加吗",
        "接龙:+1 大人1 小孩1",
        "上周的手工课孩子好喜欢",
        "下雨的话活动还照常吗?",
        "需要自带午餐吗",
        "照片什么时候发群里?",
        "有没有室内的活动推荐",
        "报名费怎么交?",
    ],
    &[
        "大家好,我是老客户,很期待新品!",
        "体验装什么时候寄?",
        "打卡第一天✅",
        "打卡第二天✅",
        "体验报告要写多少字?",
        "新品有哪些口味?",
        "已填问卷",
        "抽奖什么时候开?",
        "包装好好看",
        "请问怎么才算打卡成功?",
    ],
];

/// The staff's SOP posts per group: 08:30 早安, 15:00 干货, 20:00 福利 (DOMAIN.md §2).
const SOP_LINES: [[&str; 3]; 12] = [
    [
        "早安☀️ 今天的话题:宝宝几点睡觉?欢迎分享~",
        "【干货分享】6 个月宝宝辅食添加顺序,建议收藏📌",
        "【福利推送】今晚 20:30 儿童绘本团购,群内专享 8 折",
    ],
    [
        "早安☀️ 今天降温,记得加件外套~",
        "【干货分享】小个子通勤穿搭 3 个公式",
        "【福利推送】群内专享:风衣满 299 减 50,今晚 24 点截止",
    ],
    [
        "早上好!今日任务:完成第 4 课练习题并在群里打卡",
        "【干货分享】常见报错速查表已上传群文件",
        "【今晚直播】20:00 函数与模块,直播间见",
    ],
    [
        "早安☀️ 今天中午吃什么?来晒图~",
        "【探店分享】滨江这家烧鸟店人均 90,值得一去",
        "【福利推送】本周霸王餐名额 5 个,接龙报名",
    ],
    [
        "早安🌸 今天是适合插花的一天",
        "【干货分享】鲜切花醒花三步法",
        "【福利推送】春日花束订阅首单立减 30",
    ],
    [
        "早安☀️ 本周五会员日,记得定闹钟",
        "【会员须知】积分 100 可抵 10 元,本月底清零提醒",
        "【福利推送】会员专享价今晚 20:00 开抢",
    ],
    [
        "早安!今日一题已发布,评论区打卡",
        "【干货分享】极限计算 8 种方法总结",
        "【今晚答疑】20:00 直播答疑,提前把问题发群里",
    ],
    [
        "早安🐾 今天的养宠小知识:猫咪一天要喝多少水?",
        "【干货分享】换粮七日法,避免软便",
        "【福利推送】明早 10:00 秒杀:豆腐猫砂 4 包 69.9",
    ],
    [
        "早安📖 今天读了几页?",
        "【读书笔记】本周共读章节要点整理",
        "【活动预告】周五 15:00 读书分享会,欢迎报名",
    ],
    [
        "早上好,售后服务时间 9:00-18:00,有问题随时@我们",
        "【使用小贴士】滤芯更换周期一览",
        "【服务提醒】本月上门保养还有 20 个名额",
    ],
    [
        "早安☀️ 周六活动开始接龙啦",
        "【活动须知】户外活动请给孩子穿运动鞋、带水杯",
        "【报名提醒】本周六名额剩 12 组,抓紧接龙",
    ],
    [
        "欢迎新进群的体验官!请按群公告格式做自我介绍~",
        "【打卡说明】每天晒图打卡,连续 3 天领正装 8 折券",
        "【福利推送】今晚 20:00 抽 10 位送新品正装",
    ],
];

impl World {
    fn display(&self, i: usize) -> &str {
        let s = &self.ms[i];
        s.nickname
            .as_deref()
            .unwrap_or(self.members[s.m].name.as_str())
    }

    pub(super) fn make_messages(&mut self) {
        let mut rng = stream(6);
        for d in [LAST - 1, LAST] {
            let weekend = self.cal.weekend(d);
            // who spoke in each group that day, for @-mentions
            let mut speakers: Vec<Vec<usize>> = vec![Vec::new(); GROUPS.len()];
            for i in 0..self.ms.len() {
                if self.count(i, d) > 0 {
                    speakers[self.ms[i].g].push(i);
                }
            }
            for i in 0..self.ms.len() {
                let c = self.count(i, d);
                if c == 0 {
                    continue;
                }
                let s = &self.ms[i];
                let lo = self.cal.mid(d).max(s.joined_at + 30);
                let hi = (self.cal.mid(d + 1) - 1).min(s.left.map_or(i64::MAX, |l| l.at - 30));
                for k in 0..c {
                    let (at, kind, content) = if k == 0 && d == s.jd && s.role == "member" {
                        let intro = self_intro(&mut rng, &self.members[s.m], s.g);
                        (s.joined_at + uniform(&mut rng, 30, 900), "text", intro)
                    } else if s.persona == Persona::Staff && k < 3 {
                        let slot = [8 * HOUR + 30 * MIN, 15 * HOUR, 20 * HOUR][k as usize];
                        let at = self.cal.at(d, slot + uniform(&mut rng, 0, 120));
                        (at, "text", SOP_LINES[s.g][k as usize].to_string())
                    } else {
                        let at = self.cal.at(d, time_of_day(&mut rng, weekend));
                        let r: f64 = rng.random();
                        if r < 0.08 {
                            (at, "image", "[图片]".to_string())
                        } else if r < 0.14 {
                            (at, "emoji", "[动画表情]".to_string())
                        } else {
                            let line = if rng.random_bool(0.55) {
                                *pick(&mut rng, THEME_LINES[s.g])
                            } else {
                                *pick(&mut rng, &GENERIC_LINES)
                            };
                            let others = &speakers[s.g];
                            let text = if rng.random_bool(0.1) && others.len() > 1 {
                                let o = *pick(&mut rng, others);
                                if o == i {
                                    line.to_string()
                                } else {
                                    format!("@{} {line}", self.display(o))
                                }
                            } else {
                                line.to_string()
                            };
                            (at, "text", text)
                        }
                    };
                    let at = if at < lo || at > hi {
                        uniform(&mut rng, lo, hi.max(lo + 1))
                    } else {
                        at
                    };
                    self.messages.push(Msg {
                        g: s.g,
                        ms: i,
                        at,
                        kind,
                        content,
                    });
                }
            }
        }
        let ms = &self.ms;
        self.messages.sort_by_key(|m| (m.at, m.g, ms[m.ms].m, m.ms));
        self.make_risk(&mut rng);
    }
}
