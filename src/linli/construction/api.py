from ninja import Router

router = Router(tags=["construction"])
