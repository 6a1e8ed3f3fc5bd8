"""The review decision, checked the same way for the page and the API."""

from __future__ import annotations

from django import forms

from minqing.linkage.models import Decision, ReviewItem

NOTE_MAX = ReviewItem._meta.get_field("note").max_length


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="结论",
        choices=Decision.choices,
        error_messages={
            "required": "请选择结论: 同一人、不是同一人或不确定。",
            "invalid_choice": "结论应为 same (同一人)、different (不是同一人) 或 unsure (不确定) 之一。",
        },
    )
    note = forms.CharField(
        label="说明(可不填)",
        required=False,
        max_length=NOTE_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={"max_length": f"说明不能超过 {NOTE_MAX} 个字。"},
    )

    def __init__(self, *args, item: ReviewItem | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.item = item

    def clean_decision(self) -> str:
        decision = self.cleaned_data["decision"]
        if decision == Decision.SAME and self.item is not None and not self.item.right_source_id:
            raise forms.ValidationError(
                "该记录没有候选记录, 不能判为同一人: 请选「不是同一人」(确认无对应人员) 或「不确定」。"
            )
        return decision

    def error_text(self) -> str:
        """All errors as one line, for a message or an API answer."""
        return " ".join(str(e) for errors in self.errors.values() for e in errors)
