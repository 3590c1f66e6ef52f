"""Every page of the workspace: sign-in and password reset, home, the collaborative's pages and invitations."""

from django.urls import path

from frontend import views, views_actionplans, views_boards, views_subgroups, views_vision, views_workshops

urlpatterns = [
    # Signing in and out, and resetting a forgotten password.
    path("accounts/login/", views.SignInView.as_view(), name="login"),
    path("accounts/logout/", views.SignOutView.as_view(), name="logout"),
    path("accounts/password-reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("accounts/password-reset/sent/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/reset/<uidb64>/<token>/",
        views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/complete/",
        views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("account/", views.profile, name="profile"),
    # The person's own start page.
    path("", views.home, name="home"),
    # One collaborative.
    path("c/<slug:slug>/", views.collaborative_overview, name="collaborative-overview"),
    path("c/<slug:slug>/members/", views.collaborative_members, name="collaborative-members"),
    path("c/<slug:slug>/members/<int:pk>/", views.member_change, name="collaborative-member-change"),
    path("c/<slug:slug>/members/<int:pk>/leave/", views.member_leave, name="collaborative-member-leave"),
    path(
        "c/<slug:slug>/invitations/<int:pk>/withdraw/",
        views.invitation_withdraw,
        name="collaborative-invitation-withdraw",
    ),
    path("c/<slug:slug>/audit/", views.collaborative_audit, name="collaborative-audit"),
    # Workshops: a collaborative's list, scheduling the year, engagement; one workshop (also cross-locality ones).
    path("c/<slug:slug>/workshops/", views_workshops.collaborative_workshops, name="collaborative-workshops"),
    path(
        "c/<slug:slug>/workshops/schedule/",
        views_workshops.collaborative_workshops_schedule,
        name="collaborative-workshops-schedule",
    ),
    path("c/<slug:slug>/engagement/", views_workshops.collaborative_engagement, name="collaborative-engagement"),
    path("workshops/<int:pk>/", views_workshops.workshop_detail, name="workshop-detail"),
    path("workshops/<int:pk>/register/", views_workshops.workshop_register, name="workshop-register"),
    path("workshops/<int:pk>/unregister/", views_workshops.workshop_unregister, name="workshop-unregister"),
    path("workshops/<int:pk>/attendance/", views_workshops.workshop_attendance, name="workshop-attendance"),
    path("workshops/<int:pk>/edit/", views_workshops.workshop_edit, name="workshop-edit"),
    path("workshops/<int:pk>/cancel/", views_workshops.workshop_cancel, name="workshop-cancel"),
    path("workshops/<int:pk>/end/", views_workshops.workshop_end, name="workshop-end"),
    path("c/<slug:slug>/priorities/", views_actionplans.collaborative_priorities, name="collaborative-priorities"),
    # The shared vision: the current version and responses to it, the draft, publishing, earlier versions.
    path("c/<slug:slug>/vision/", views_vision.vision, name="vision"),
    path("c/<slug:slug>/vision/respond/", views_vision.vision_endorse, name="vision-endorse"),
    path("c/<slug:slug>/vision/draft/", views_vision.vision_drafts, name="vision-drafts"),
    path("c/<slug:slug>/vision/draft/<int:pk>/", views_vision.vision_statement_edit, name="vision-statement-edit"),
    path("c/<slug:slug>/vision/draft/<int:pk>/move/", views_vision.vision_statement_move, name="vision-statement-move"),
    path(
        "c/<slug:slug>/vision/draft/<int:pk>/remove/",
        views_vision.vision_statement_remove,
        name="vision-statement-remove",
    ),
    path("c/<slug:slug>/vision/publish/", views_vision.vision_publish, name="vision-publish"),
    path("c/<slug:slug>/vision/versions/", views_vision.vision_versions, name="vision-versions"),
    path("c/<slug:slug>/vision/versions/<int:number>/", views_vision.vision_version, name="vision-version"),
    # Sub-groups (workstreams) of a collaborative.
    path("c/<slug:slug>/subgroups/", views_subgroups.subgroup_list, name="subgroup-list"),
    path("c/<slug:slug>/subgroups/new/", views_subgroups.subgroup_create, name="subgroup-create"),
    path("c/<slug:slug>/subgroups/<int:pk>/", views_subgroups.subgroup_detail, name="subgroup-detail"),
    path("c/<slug:slug>/subgroups/<int:pk>/edit/", views_subgroups.subgroup_edit, name="subgroup-edit"),
    path("c/<slug:slug>/subgroups/<int:pk>/update/", views_subgroups.subgroup_update, name="subgroup-update"),
    path(
        "c/<slug:slug>/subgroups/<int:pk>/updates/<int:update_pk>/comments/",
        views_subgroups.subgroup_comment,
        name="subgroup-comment",
    ),
    path("c/<slug:slug>/subgroups/<int:pk>/people/", views_subgroups.subgroup_people, name="subgroup-people"),
    path(
        "c/<slug:slug>/subgroups/<int:pk>/people/<int:part_pk>/",
        views_subgroups.subgroup_person,
        name="subgroup-person",
    ),
    path(
        "c/<slug:slug>/subgroups/<int:pk>/people/<int:part_pk>/end/",
        views_subgroups.subgroup_person_end,
        name="subgroup-person-end",
    ),
    path("c/<slug:slug>/subgroups/<int:pk>/handover/", views_subgroups.subgroup_handover, name="subgroup-handover"),
    path(
        "c/<slug:slug>/subgroups/<int:pk>/milestones/new/",
        views_subgroups.subgroup_milestone_new,
        name="subgroup-milestone-new",
    ),
    path(
        "c/<slug:slug>/subgroups/<int:pk>/milestones/<int:milestone_pk>/",
        views_subgroups.subgroup_milestone_edit,
        name="subgroup-milestone-edit",
    ),
    path("c/<slug:slug>/subgroups/<int:pk>/support/", views_subgroups.subgroup_support, name="subgroup-support"),
    path(
        "c/<slug:slug>/subgroups/<int:pk>/support/<int:entry_pk>/",
        views_subgroups.subgroup_support_change,
        name="subgroup-support-change",
    ),
    path("c/<slug:slug>/subgroups/<int:pk>/links/new/", views_subgroups.subgroup_link_new, name="subgroup-link-new"),
    path(
        "c/<slug:slug>/subgroups/<int:pk>/links/<int:link_pk>/remove/",
        views_subgroups.subgroup_link_remove,
        name="subgroup-link-remove",
    ),
    path("c/<slug:slug>/subgroups/<int:pk>/review/", views_subgroups.subgroup_review, name="subgroup-review"),
    # Concerns raised with the programme team, confidentially.
    path("c/<slug:slug>/concerns/new/", views_subgroups.concern_new, name="concern-new"),
    path("concerns/", views_subgroups.concern_list, name="concern-list"),
    path("concerns/<int:pk>/", views_subgroups.concern_detail, name="concern-detail"),
    # Live workshop boards: the board (signed-in people and guests), guest links, joining as a guest, making a board,
    # and the workshop record.
    path("boards/<int:pk>/", views_boards.board_page, name="board"),
    path("boards/<int:pk>/guest-links/", views_boards.guest_link_create, name="board-guest-link-create"),
    path("boards/<int:pk>/guest-links/<int:link_pk>/", views_boards.guest_link_show, name="board-guest-link"),
    path(
        "boards/<int:pk>/guest-links/<int:link_pk>/revoke/",
        views_boards.guest_link_revoke,
        name="board-guest-link-revoke",
    ),
    path("join/", views_boards.guest_join, name="guest-join"),
    path("join/<str:code>/", views_boards.guest_join_name, name="guest-join-name"),
    path("workshops/<int:pk>/boards/new/", views_boards.board_create, name="workshop-board-create"),
    path("workshops/<int:pk>/record/", views_boards.workshop_record, name="workshop-record"),
    path("workshops/<int:pk>/record.md", views_boards.workshop_record_markdown, name="workshop-record-md"),
    path("workshops/<int:pk>/record.csv", views_boards.workshop_record_csv, name="workshop-record-csv"),
    # Accepting an invitation, signed in or not.
    path("invitations/<str:token>/", views.invitation_accept, name="invitation-accept"),
]
