"""Forms of the casework pages. A form only reads and checks what was typed; the view passes
the cleaned values to casework.actions, which decide whether the user may and write."""

from __future__ import annotations

from django import forms

from minqing.accounts.models import Department
from minqing.assessment.classify import TYPE_LABELS
from minqing.assessment.models import Category
from minqing.casework.models import EntryStatus, MeasureStatus, ProblemType

# ledger pages ----------------------------------------------------------------------------------

# the departments a problem can be routed to (the hotline only registers work orders)
ROUTED_DEPARTMENTS = [(code, label) for code, label in Department.choices if code != "hotline"]
ALL_STATUSES = "all"


class DateInput(forms.DateInput):
    """The browser's date picker; its value is always ISO (the zh-hans format is 2026/12/01)."""

    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _date_filter(label: str) -> forms.DateField:
    return forms.DateField(
        label=label,
        required=False,
        widget=DateInput,
        error_messages={
            "invalid": f"「{label}」不是有效的日期, 请按 年-月-日 填写 (如 2026-03-02)"
        },
    )


# the date filters as (from, to) pairs, each pair one field of LedgerEntry
DATE_RANGES = {
    "entered_on": ("entered_from", "entered_to", "纳入日期"),
    "exited_on": ("exited_from", "exited_to", "退出日期"),
}


class LedgerFilterForm(forms.Form):
    """The filters of the ledger list and its export (GET). An invalid choice is ignored, not
    an error: a stale bookmark still opens the list. A date typed wrong, or a range that ends
    before it starts, is an error (`date_errors`): a list that silently left a date out would
    look filtered when it is not."""

    area = forms.TypedChoiceField(label="区域", required=False, coerce=int, empty_value=None)
    family_type = forms.ChoiceField(
        label="家庭类型", required=False, choices=[("", "全部家庭类型"), *TYPE_LABELS.items()]
    )
    category = forms.ChoiceField(
        label="类别", required=False, choices=[("", "全部类别"), *Category.choices]
    )
    status = forms.ChoiceField(
        label="状态",
        required=False,
        choices=[("", "在册各状态"), *EntryStatus.choices, (ALL_STATUSES, "全部(含已退出)")],
    )
    department = forms.ChoiceField(
        label="责任部门", required=False, choices=[("", "全部部门"), *ROUTED_DEPARTMENTS]
    )
    overdue = forms.BooleanField(label="仅看逾期", required=False)
    q = forms.CharField(
        label="搜索",
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={"placeholder": "姓名 / 身份证号 / 身份证后4位"}),
    )
    entered_from = _date_filter("纳入日期(起)")
    entered_to = _date_filter("纳入日期(止)")
    exited_from = _date_filter("退出日期(起)")
    exited_to = _date_filter("退出日期(止)")

    def __init__(self, *args, areas=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].choices = [("", "全部区域"), *areas]

    def clean(self):
        data = super().clean()
        for first_name, last_name, label in DATE_RANGES.values():
            first, last = data.get(first_name), data.get(last_name)
            if first and last and first > last:
                self.add_error(
                    last_name,
                    f"{label}的截止日 {last:%Y-%m-%d} 早于起始日 {first:%Y-%m-%d}, 请更正",
                )
        return data

    @property
    def date_errors(self) -> list[str]:
        """The messages of the date filters (empty when they are valid or not given)."""
        self.is_valid()
        return [
            message
            for pair in DATE_RANGES.values()
            for name in pair[:2]
            for message in self.errors.get(name, [])
        ]

    def filters(self) -> dict:
        """The valid filters, by name (empty ones left out)."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "", False)}


class EntryStatusForm(forms.Form):
    to = forms.ChoiceField(label="变更为")
    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, entry, **kwargs):
        super().__init__(*args, **kwargs)
        labels = dict(EntryStatus.choices)
        reachable = [s for s in EntryStatus.values if entry.may_become(s)]
        self.fields["to"].choices = [("", "请选择"), *((s, labels[s]) for s in reachable)]


class ReclassifyForm(forms.Form):
    category = forms.ChoiceField(label="类别", choices=Category.choices)
    types = forms.MultipleChoiceField(
        label="家庭类型",
        required=False,
        choices=list(TYPE_LABELS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    reason = forms.CharField(label="原因", max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class ProblemForm(forms.Form):
    title = forms.CharField(label="问题", max_length=200)
    problem_type = forms.ChoiceField(
        label="问题类型", choices=[("", "请选择"), *ProblemType.choices]
    )
    description = forms.CharField(
        label="问题描述", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    is_major = forms.BooleanField(label="重大疑难(列入区联席会议研究清单)", required=False)
    dispatch = forms.BooleanField(label="按派单规则立即派单", required=False, initial=True)


class MeasureForm(forms.Form):
    action = forms.CharField(label="帮扶措施", widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label="完成时限", widget=DateInput)
    problem = forms.TypedChoiceField(label="对应问题", required=False, coerce=int, empty_value=None)

    def __init__(self, *args, problems=(), problem_required=False, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["problem"]
        field.choices = [] if problem_required else [("", "不对应具体问题")]
        field.choices += [(p.pk, p.title) for p in problems]
        field.required = problem_required


class MeasureUpdateForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.CharField(label="帮扶措施", widget=forms.Textarea(attrs={"rows": 2}))
    deadline = forms.DateField(label="完成时限", widget=DateInput)
    status = forms.ChoiceField(
        label="状态",
        choices=[
            (s, MeasureStatus(s).label) for s in (MeasureStatus.PLANNED, MeasureStatus.IN_PROGRESS)
        ],
    )
    result = forms.CharField(
        label="落实情况", required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class MeasureCloseForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    result = forms.CharField(label="落实情况", widget=forms.Textarea(attrs={"rows": 2}))
    evidence = forms.FileField(label="佐证材料(照片或PDF, 不超过10MB)", required=False)


class PairingForm(forms.Form):
    cadre = forms.TypedChoiceField(label="包联干部", required=False, coerce=int, empty_value=None)
    grid_worker = forms.TypedChoiceField(
        label="网格员", required=False, coerce=int, empty_value=None
    )
    reason = forms.CharField(label="说明", required=False, max_length=500)

    def __init__(self, *args, cadres=(), grid_workers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["cadre"].choices = [("", "不指定"), *((u.pk, str(u)) for u in cadres)]
        self.fields["grid_worker"].choices = [
            ("", "不指定"),
            *((u.pk, str(u)) for u in grid_workers),
        ]


# the bulk pairing of a grid (the pairing page): each person kept, cleared or chosen
KEEP, CLEAR = "", "none"


class GridPairingForm(forms.Form):
    grid = forms.TypedChoiceField(
        label="网格",
        coerce=int,
        error_messages={"required": "请选择网格", "invalid_choice": "请选择网格"},
    )
    cadre = forms.ChoiceField(
        label="包联干部",
        required=False,
        error_messages={"invalid_choice": "请从列表中选择包联干部"},
    )
    grid_worker = forms.ChoiceField(
        label="网格员",
        required=False,
        error_messages={"invalid_choice": "请从列表中选择网格员"},
    )
    reason = forms.CharField(
        label="调整原因",
        max_length=500,
        error_messages={"required": "请填写调整原因"},
        widget=forms.TextInput(attrs={"placeholder": "如: 年度包联调整"}),
    )

    def __init__(self, *args, grids=(), cadres=(), grid_workers=(), **kwargs):
        """`grids`: (id, label); `cadres`, `grid_workers`: (id, label) of the users to choose."""
        super().__init__(*args, **kwargs)
        self.fields["grid"].choices = [("", "请选择网格"), *grids]
        for name, users in (("cadre", cadres), ("grid_worker", grid_workers)):
            self.fields[name].choices = [
                (KEEP, "保持不变"),
                *((str(pk), label) for pk, label in users),
                (CLEAR, "取消包联"),
            ]


class RevealForm(forms.Form):
    field = forms.ChoiceField(
        choices=[("id_number", "身份证号"), ("phone", "联系电话")], widget=forms.HiddenInput
    )
    reason = forms.CharField(label="查看原因", required=False, max_length=200)


# daily-work pages ------------------------------------------------------------------------------


def _reason(label: str, *, required: bool = True, rows: int = 2) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=required,
        max_length=500,
        error_messages={"required": f"请填写{label}"},
        widget=forms.Textarea(attrs={"rows": rows}),
    )


class ReturnForm(forms.Form):
    reason = _reason("退回原因")


class TransferForm(forms.Form):
    to_department = forms.ChoiceField(label="转至部门")
    reason = _reason("转办原因")

    def __init__(self, *args, current: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["to_department"].choices = [("", "请选择部门")] + [
            (code, label) for code, label in ROUTED_DEPARTMENTS if code != current
        ]


class ResolveForm(forms.Form):
    result = _reason("办结情况", rows=3)


class DispatchForm(forms.Form):
    department = forms.ChoiceField(
        label="责任部门",
        choices=[("", "请选择部门"), *ROUTED_DEPARTMENTS],
        error_messages={"required": "请选择责任部门"},
    )


class ProblemMeasureForm(forms.Form):
    """A measure answering the problem in the URL (the inbox)."""

    action = forms.CharField(
        label="帮扶措施",
        error_messages={"required": "请填写帮扶措施"},
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    deadline = forms.DateField(
        label="完成时限", widget=DateInput, error_messages={"required": "请填写完成时限"}
    )


class MultiplePhotoInput(forms.FileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input (casework.files judges each one by its first bytes)."""

    def __init__(self, *args, most: int = 9, **kwargs):
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/*"}))
        self.most = most
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else [data] if data else []
        if len(files) > self.most:
            raise forms.ValidationError(f"每次最多上传 {self.most} 张照片")
        return [super(MultiplePhotoField, self).clean(f, initial) for f in files]


VISIT_DECISIONS = [("", "暂不作结论"), ("confirm", "确认"), ("reject", "否决")]


class VisitForm(forms.Form):
    visited_on = forms.DateField(
        label="走访日期", widget=DateInput, error_messages={"required": "请填写走访日期"}
    )
    companions = forms.CharField(label="同行人员", required=False, max_length=200)
    findings = forms.CharField(
        label="走访情况",
        error_messages={"required": "请填写走访情况"},
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    photos = MultiplePhotoField(label="现场照片", required=False)
    # the proposal the page showed: a decision on another (changed meanwhile) is refused
    proposal = forms.IntegerField(required=False, widget=forms.HiddenInput)
    decision = forms.ChoiceField(
        label="核实结论", required=False, choices=VISIT_DECISIONS, widget=forms.RadioSelect
    )
    reason = _reason("核实意见", required=False)


class ProposalDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        choices=[("confirm", "确认"), ("reject", "否决")],
        error_messages={"required": "请选择确认或否决"},
    )
    reason = forms.CharField(
        label="核实意见", max_length=500, error_messages={"required": "请填写核实意见"}
    )
