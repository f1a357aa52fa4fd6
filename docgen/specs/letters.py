"""Letter-like forms: the 抽查通知书, the 样品封存和处置告知单 and the 授权委托书."""
from docgen.spec import FormSpec, Grid, L, Para, Row, Sign, T, V

NOTICE = FormSpec(
    code="notice",
    title="产品质量监督抽查通知书",
    number="{notice_no}",
    font_size=12,
    required=("notice_no", "enterprise.name", "institution.name", "samplers.with_ids",
              "task.valid_from", "task.valid_to"),
    blocks=(
        Para("{enterprise.name}：", align="left"),
        Para("根据《中华人民共和国产品质量法》《产品质量监督抽查管理暂行办法》等规定，"
             "{agency.name}组织开展{task.name}。现委托{institution.name}对你单位生产或者销售的"
             "{task.product_category}产品实施{task.level}{task.category}，由下列抽样人员持本通知书"
             "前往抽样。", indent=True),
        Grid(
            Row(L("被抽样单位", 3), V("enterprise.name", 9)),
            Row(L("统一社会信用代码", 3), V("enterprise.credit_code", 3), L("联系电话", 2),
                V("enterprise.phone", 4)),
            Row(L("单位地址", 3), V("enterprise.address", 6), L("邮编", 1),
                V("enterprise.postal_code", 2)),
            Row(L("抽查产品", 3), V("task.product_category", 3), L("抽查类别", 2),
                T("{task.level}{task.category}", 4)),
            Row(L("承检机构", 3), V("institution.name", 9)),
            Row(L("承检机构地址", 3), V("institution.address", 6), L("邮编", 1),
                V("institution.postal_code", 2)),
            Row(L("承检机构联系部门", 3), V("institution.contact", 3), L("联系电话", 2),
                V("institution.phone", 4)),
            Row(L("抽样人员及证件号", 3), V("samplers.with_ids", 9)),
            Row(L("有效期", 3), T("{task.valid_from}至{task.valid_to}", 9)),
        ),
        Para("监督抽查不向被抽样单位收取检验费用，所抽样品按规定支付费用。抽样人员应当出示本通知书、"
             "授权委托书复印件和有效身份证件，并告知监督抽查的性质、抽查范围以及你单位的权利和义务。"
             "抽样人员少于两人，未出示上述文书证件，或者抽样人员姓名、被抽样单位名称与本通知书不符的，"
             "你单位有权拒绝抽样。", indent=True, space_before=0.5),
        Para("请你单位如实提供抽样所需产品及相关资料，配合完成抽样和封样，并在抽样文书上签字（盖章）确认。"
             "无正当理由拒绝监督抽查的，依照《中华人民共和国产品质量法》有关规定处理。"
             "对抽样工作有意见的，可向{agency.name}（{agency.contact}）反映，联系电话：{agency.phone}，"
             "地址：{agency.address}，邮编：{agency.postal_code}。", indent=True),
        Grid(
            Row(Sign("被抽样单位签收（签字/盖章）：", 6, lines=4),
                Sign("组织监督抽查部门（盖章）：\n{agency.name}", 6, lines=4,
                     date="{issue_date}")),
        ),
        Para("{copies_note}", size="small", space_before=0.5),
    ),
)

SEAL_NOTICE = FormSpec(
    code="seal_notice",
    title="产品质量监督抽查样品封存和处置告知单",
    required=("sample_no", "enterprise.name", "product.name", "seal.seal_no"),
    font_size=11,
    blocks=(
        Para("{enterprise.name}：", align="left"),
        Para("受{agency.name}委托，{institution.name}于{sampled_on}对你单位的{product.name}"
             "（规格型号：{product.model}；生产日期/批号：{product.batch}）实施{task.level}产品质量"
             "{task.category}，抽样单编号为{sample_no}。检验样品由抽样人员带回（寄送）承检机构；"
             "备用样品{quantity.backup}已当场封存，封样编号{seal.seal_no}，封存于"
             "{seal.backup_location}。现将备用样品的保管和处置要求告知如下：", indent=True),
        Para("一、封存于你单位的备用样品由你单位妥善保管，保持封条完好，在保管期间不得擅自更换、隐匿、"
             "处理或者损毁。", indent=True),
        Para("二、检验结果为合格，且你单位自收到检验结果之日起{terms.objection_days}日内未提出异议的，"
             "异议期满后你单位可自行处置备用样品。", indent=True),
        Para("三、检验结果为不合格的，备用样品应当继续封存，保存至异议期满后{terms.backup_hold}，"
             "并按照{agency.name}的要求处置；你单位申请复检的，复检使用封存的备用样品。", indent=True),
        Para("四、违反上述要求的，由你单位依法承担相应责任。", indent=True),
        Grid(
            Row(L("抽样单编号", 2), V("sample_no", 4), L("封样编号", 2), V("seal.seal_no", 4)),
            Row(L("产品名称", 2), V("product.name", 4), L("抽样日期", 2), V("sampled_on", 4)),
            Row(Sign("被抽查企业：我单位已悉知上述告知内容。\n签字（盖章）：", 6, lines=5),
                Sign("承检单位：{institution.name}\n签字（盖章）：", 6, lines=5)),
        ),
        Para("{copies_note}", size="small", space_before=0.5),
    ),
)

AUTHORIZATION = FormSpec(
    code="authorization",
    title="授权委托书",
    number="{task.plan_doc_no}",
    font_size=12,
    required=("agency.name", "institution.name", "task.name", "task.valid_from", "task.valid_to"),
    blocks=(
        Grid(
            Row(L("委托方", 2), V("agency.name", 10)),
            Row(L("地址", 2), V("agency.address", 7), L("邮编", 1), V("agency.postal_code", 2)),
            Row(L("联系部门", 2), V("agency.contact", 4), L("联系电话", 2), V("agency.phone", 4)),
            Row(L("受托方", 2), V("institution.name", 10)),
            Row(L("地址", 2), V("institution.address", 7), L("邮编", 1),
                V("institution.postal_code", 2)),
            Row(L("联系部门", 2), V("institution.contact", 4), L("联系电话", 2),
                V("institution.phone", 4)),
            Row(L("资质认定证书编号", 2), V("institution.cma_no", 10)),
        ),
        Para("根据《中华人民共和国产品质量法》《产品质量监督抽查管理暂行办法》和{task.plan_doc_no}，"
             "现委托{institution.name}承担{task.name}（任务编号：{task.code}）中"
             "{task.product_category}产品的抽样和检验工作，授权事项如下：", indent=True,
             space_before=0.5),
        Grid(
            Row(L("任务名称", 2), V("task.name", 10)),
            Row(L("抽查产品", 2), V("task.product_category", 4), L("抽查类别", 2),
                T("{task.level}{task.category}", 4)),
            Row(L("抽样范围", 2), T("{agency.name}辖区内生产、销售（含网络销售）"
                                 "{task.product_category}产品的单位", 10)),
            Row(L("授权抽样人员", 2), V("samplers.with_ids", 10)),
            Row(L("有效期限", 2), T("{task.valid_from}至{task.valid_to}", 10)),
            Row(L("抽检依据", 2), V("task.basis", 10)),
            Row(L("结果报送期限", 2), V("task.result_due", 10)),
        ),
        Para("受托方应当按照有关规定和实施细则实施抽样和检验，不得分包检验任务，不得向被抽样单位收取"
             "检验费用，对检验数据和结论负责。本委托书复印件由抽样人员随身携带，抽样时向被抽样单位出示。",
             indent=True, space_before=0.5),
        Grid(
            Row(Sign("委托方（盖章）：\n{agency.name}", 6, lines=4, date="{issue_date}"),
                Sign("受托方（盖章）：\n{institution.name}", 6, lines=4)),
        ),
        Para("{copies_note}", size="small", space_before=0.5),
    ),
)
