"""The role catalogue of DESIGN.md ("who uses it"). Loaded into the Role table by migration
0002; the code names are what the rest of the code checks."""

GRID_WORKER = "grid_worker"
COMMUNITY_STAFF = "community_staff"
STREET_STAFF = "street_staff"
CADRE = "cadre"
DEPARTMENT_CLERK = "department_clerk"
DISTRICT_LEADER = "district_leader"
HOTLINE_OPERATOR = "hotline_operator"
SYSTEM_ADMIN = "system_admin"
SECURITY_ADMIN = "security_admin"
AUDIT_ADMIN = "audit_admin"

# code, name, sees, does, is_security_admin, sees_personal_data
CATALOGUE = [
    (
        GRID_WORKER,
        "网格员",
        "本网格的家庭户和事件",
        "走访、提交走访记录、核实拟纳入家庭、上报事件",
        False,
        True,
    ),
    (
        COMMUNITY_STAFF,
        "社区工作人员",
        "本社区",
        "审核纳入、分配包联干部、跟进逾期事项",
        False,
        True,
    ),
    (STREET_STAFF, "街道工作人员", "本街道", "审核纳入、分配包联干部、跟进逾期事项", False, True),
    (CADRE, "包联干部", "本人包联的家庭户", "周二家庭关爱日走访、记录帮扶", False, True),
    (
        DEPARTMENT_CLERK,
        "部门工作人员",
        "派给本部门的事项(个人信息最小化)",
        "签收、办理、回复、办结",
        False,
        True,
    ),
    (DISTRICT_LEADER, "区领导", "全区汇总(个人信息脱敏)", "看板、地图、重大疑难督办", False, False),
    (HOTLINE_OPERATOR, "12345/APP 接线员", "热线工单", "登记、派单、回访", False, True),
    (SYSTEM_ADMIN, "系统管理员", "用户与角色(不含居民数据)", "用户、单位、角色管理", True, False),
    (SECURITY_ADMIN, "安全管理员", "安全设置(不含居民数据)", "安全策略、锁定解锁", True, False),
    (AUDIT_ADMIN, "安全审计员", "审计日志(不含居民数据)", "审计日志查阅", True, False),
]


def load_catalogue(role_model) -> None:
    """Create or update every role of the catalogue. Takes the model as an argument so that
    migration 0002 can pass its historical model."""
    for order, (code, name, sees, does, is_admin, personal) in enumerate(CATALOGUE):
        role_model.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "sees": sees,
                "does": does,
                "order": order,
                "is_security_admin": is_admin,
                "sees_personal_data": personal,
            },
        )
