"""What several apps' admin pages share."""


class ShownNotEdited:
    """An admin page of rows the program itself writes: shown, never added, changed or deleted
    there (a ModelAdmin or inline mixin)."""

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
