"""Fill locale/ru/LC_MESSAGES/*.po from the table below, after `manage.py makemessages`.

Run: python locale/translate_ru.py && python manage.py compilemessages -l ru
"""

from __future__ import annotations

import re
from pathlib import Path

RU = {
    # --- templates / server side
    "Planning V2": "Планирование V2",
    "Language": "Язык",
    "Switch": "Переключить",
    "Log out": "Выйти",
    "Live connection to the server": "Живое соединение с сервером",
    "Connecting…": "Подключение…",
    "Debug API": "Отладка API",
    "Printers": "Принтеры",
    "Find a printer, group or file": "Найти принтер, группу или файл",
    "State": "Состояние",
    "All states": "Все состояния",
    "Loading the farm…": "Загрузка фермы…",
    "Timeline": "План печати",
    "Current job until its expected end, then what the queue would send next. Bed clearing "
    "adds %(minutes)s min between prints.":
        "Текущая печать до ожидаемого окончания, затем то, что очередь отправит следующим. "
        "Очистка стола добавляет %(minutes)s мин между печатями.",
    "Window": "Окно",
    "h": "ч",
    "Printing now": "Печатает сейчас",
    "From the queue": "Из очереди",
    "No estimate (assumed duration)": "Без оценки (предполагаемая длительность)",
    "Takes nothing (offline, error, out of order)":
        "Ничего не берёт (не в сети, ошибка, не работает)",
    "Queue": "Очередь",
    "File": "Файл",
    "Copies": "Копии",
    "Status": "Статус",
    "Added by": "Добавил",
    "Expected start": "Ожидаемое начало",
    "Expected done": "Ожидаемое окончание",
    "Job history": "История печати",
    "Printer": "Принтер",
    "All printers": "Все принтеры",
    "All statuses": "Все статусы",
    "File name": "Имя файла",
    "Started": "Начало",
    "Duration": "Длительность",
    "Close": "Закрыть",
    "Live messages": "Живые сообщения",
    "Mode": "Режим",
    "Mode and API budget": "Режим и бюджет API",
    "WebSocket ping": "Пинг WebSocket",
    "Ping now": "Пинг",
    "Webhooks registered at SimplyPrint": "Вебхуки, зарегистрированные в SimplyPrint",
    "Refresh": "Обновить",
    "Send a sample delivery": "Отправить пример доставки",
    "Send": "Отправить",
    "Some actions are hidden: your account lacks the permission (groups Operator, "
    "Administrator). Ask an administrator.":
        "Некоторые действия скрыты: у вашей учётной записи нет разрешения (группы Operator, "
        "Administrator). Обратитесь к администратору.",
    "%(n)s registrations of other integrations are hidden.":
        "Скрыто регистраций других интеграций: %(n)s.",
    "Too many failed logins": "Слишком много неудачных попыток входа",
    "Logging in with this username from this address is paused for %(minutes)s minutes "
    "after too many wrong passwords. Wait, then try again, or ask an administrator to "
    "unlock it.":
        "Вход с этим именем пользователя с этого адреса приостановлен на %(minutes)s мин "
        "после слишком многих неверных паролей. Подождите и попробуйте снова или попросите "
        "администратора снять блокировку.",
    "Back to the login": "Вернуться ко входу",
    "Live event log": "Журнал событий в реальном времени",
    "Event": "Событие",
    "All events": "Все события",
    "Result": "Результат",
    "Received": "Получено",
    "The last 100 messages received on the WebSocket, newest first.":
        "Последние 100 сообщений, полученных по WebSocket, новые сверху.",
    "Logged out": "Выход выполнен",
    "You are logged out": "Вы вышли",
    "Log in again": "Войти снова",
    "Log in": "Войти",
    "Log in to Planning V2": "Вход в Планирование V2",
    "Wrong username or password. Try again.": "Неверное имя или пароль. Попробуйте ещё раз.",
    "Your account cannot open this page.": "У вашей учётной записи нет доступа к этой странице.",
    "Username": "Имя пользователя",
    "Password": "Пароль",
    # model choices and admin (apps/simpleprint)
    "raw data": "исходные данные",
    "status": "статус",
    "event": "событие",
    "category": "категория",
    "payload": "содержимое",
    "headers": "заголовки",
    "Reprocess selected events": "Повторно обработать выбранные события",
    "Send SimplyPrint test delivery": "Запросить тестовую доставку SimplyPrint",
    "state": "состояние",
    "webhook": "вебхук",
    "poll": "опрос",
    "pending": "ожидает",
    "processed": "обработано",
    "ignored": "пропущено",
    "failed": "ошибка",
    "SimplyPrint's Unix time of the event": "Время события в SimplyPrint (Unix)",
    "The whole envelope as received": "Доставка целиком, как получена",
    "How many identical deliveries arrived (SimplyPrint retries)":
        "Сколько одинаковых доставок пришло (повторы SimplyPrint)",
    "Unknown or informational event": "Неизвестное или информационное событие",
    "printer webhook event": "событие вебхука принтера",
    "Printer Webhook Events": "События вебхуков принтеров",
    "operational": "готов",
    "printing": "печатает",
    "paused": "пауза",
    "cancelling": "отмена",
    "downloading": "загрузка",
    "needs attention": "требует внимания",
    "offline": "не в сети",
    "unknown": "неизвестно",
    "SimplyPrint id": "id в SimplyPrint",
    "seconds": "секунды",
    "done": "готово",
    "cancelled": "отменено",
    "SimplyPrint job id": "id задания в SimplyPrint",
    "queued": "в очереди",
    "pending approval": "ждёт одобрения",
    "approved": "одобрено",
    "denied": "отклонено",
    "deleted": "удалено",
    "SimplyPrint queue item id": "id элемента очереди в SimplyPrint",
    "print queue item": "элемент очереди печати",
    "Print Queues": "Очередь печати",
    # events (the registry's labels), the sync, names of SimplyPrint's ids
    "Spool assigned": "Катушка установлена",
    "Spool unassigned": "Катушка снята",
    "The SimplyPrint time the event is ordered by":
        "Время SimplyPrint, по которому упорядочено событие",
    "The timestamp was too far ahead of the receipt time, so the event is ordered by its "
    "receipt time":
        "Метка времени слишком опережала время получения, поэтому событие упорядочено по "
        "времени получения",
    "What processing recovered by re-reading SimplyPrint":
        "Что обработка восстановила, перечитав данные из SimplyPrint",
    "printer groups": "группы принтеров",
    "printer models": "модели принтеров",
    "custom tags": "пользовательские метки",
    "material types": "типы материалов",
    "queue groups": "группы очереди",
    "name": "название",
    "asked SimplyPrint": "запрос к SimplyPrint",
    # --- JavaScript
    "in the queue": "в очереди",
    "%(n)s awaiting approval": "%(n)s ждут одобрения",
    "next free: %(name)s at %(time)s": "освободится первым: %(name)s в %(time)s",
    "Reconnecting…": "Переподключение…",
    "Live": "В реальном времени",
    "Disconnected: retrying at %(time)s; refreshing every 10 s":
        "Нет соединения: повтор в %(time)s; обновление каждые 10 с",
    "Last refresh %(time)s": "Последнее обновление %(time)s",
    "Polling": "Опрос API",
    "Webhooks": "Вебхуки",
    "Webhooks are not arriving: state is read from the API.":
        "Вебхуки не приходят: состояние читается из API.",
    "State arrives as SimplyPrint sends it.":
        "Состояние приходит сразу, как SimplyPrint его отправляет.",
    "No state received yet": "Состояние ещё не получено",
    "no data yet": "данных пока нет",
    "stale · %(age)s": "устарело · %(age)s",
    "live via webhook · %(age)s": "вживую через вебхук · %(age)s",
    "from the last poll · %(age)s": "из последнего опроса · %(age)s",
    "Out of order": "Не работает",
    "Clear the bed": "Очистить стол",
    "%(left)s left · ends %(end)s": "осталось %(left)s · до %(end)s",
    "No job running": "Нет печати",
    "%(size)s mm nozzle": "сопло %(size)s мм",
    "No group": "Без группы",
    "No printers yet: they appear with the first event or poll.":
        "Принтеров пока нет: они появятся с первым событием или опросом.",
    "Receiver: %(url)s": "Приёмник: %(url)s",
    "secret configured": "секрет задан",
    "no secret configured": "секрет не задан",
    "%(received)s received, %(processed)s processed, %(failed)s failed":
        "получено %(received)s, обработано %(processed)s, с ошибкой %(failed)s",
    "last delivery": "последняя доставка",
    "SimplyPrint could not be asked.": "Не удалось обратиться к SimplyPrint.",
    "No webhook is registered at SimplyPrint.":
        "В SimplyPrint не зарегистрировано ни одного вебхука.",
    "enabled": "включён",
    "disabled": "выключен",
    "points at this server": "указывает на этот сервер",
    "%(n)s events": "событий: %(n)s",
    "Disable": "Выключить",
    "Enable": "Включить",
    "Test": "Тест",
    "Test delivery requested; it appears in the event log below when it arrives.":
        "Тестовая доставка запрошена; она появится в журнале ниже, когда придёт.",
    "Sample %(event)s stored as #%(id)s:": "Пример %(event)s сохранён как #%(id)s:",
    "API calls in the last hour: %(n)s": "Запросов к API за последний час: %(n)s",
    "Rate-limit headroom: %(n)s": "Запас до лимита запросов: %(n)s",
    "Why": "Почему",
    "API calls in the last hour": "Запросов к API за последний час",
    "Rate-limit headroom": "Запас до лимита запросов",
    "%(n)s of %(limit)s requests per minute": "%(n)s из %(limit)s запросов в минуту",
    "Last poll": "Последний опрос",
    "Next poll": "Следующий опрос",
    "Last error": "Последняя ошибка",
    "API usage is not reported by this build.": "Эта сборка не сообщает об использовании API.",
    "Not connected.": "Нет соединения.",
    "%(ms)s ms": "%(ms)s мс",
    "round trip page → server → page": "туда и обратно: страница → сервер → страница",
    "Server ping: %(n)s of %(c)s connected pages answered, median %(ms)s ms":
        "Пинг сервера: ответили %(n)s из %(c)s подключённых страниц, медиана %(ms)s мс",
    "No events yet.": "Событий пока нет.",
    "Reprocess": "Обработать снова",
    "received %(received)s · attempts %(attempts)s · deliveries %(deliveries)s":
        "получено %(received)s · попыток %(attempts)s · доставок %(deliveries)s",
    "processed %(at)s": "обработано %(at)s",
    "Printing": "Печатает",
    "Paused": "Пауза",
    "Ready": "Готов",
    "Downloading": "Загрузка",
    "Cancelling": "Отмена",
    "Needs attention": "Требует внимания",
    "Offline": "Не в сети",
    "Unknown": "Неизвестно",
    "Done": "Готово",
    "Failed": "Ошибка",
    "Cancelled": "Отменено",
    "Queued": "В очереди",
    "Approved": "Одобрено",
    "Awaiting approval": "Ждёт одобрения",
    "No printer may print it": "Ни один принтер не может это печатать",
    "Partly scheduled": "Запланировано частично",
    "Beyond the projection": "За пределами плана",
    "Processed": "Обработано",
    "Ignored": "Пропущено",
    "Pending": "Ожидает",
    "out of order": "не работает",
    "state unknown": "состояние неизвестно",
    "models": "модели",
    "groups": "группы",
    "only for": "только для",
    "The queue is empty.": "Очередь пуста.",
    "left of amount": "осталось из общего числа",
    "No jobs match.": "Нет подходящих заданий.",
    "Now": "Сейчас",
    "takes nothing from the queue": "ничего не берёт из очереди",
    "free at %(time)s": "свободен в %(time)s",
    "free now": "свободен сейчас",
    "%(m)s min": "%(m)s мин",
    "%(h)s h %(m)s min": "%(h)s ч %(m)s мин",
    "%(h)s h": "%(h)s ч",
    # --- issue 16: conditions, attention, alerts, warnings, samples
    'SimplyPrint could not be asked about our webhook: %(error)s':
        'Не удалось спросить SimplyPrint о нашем вебхуке: %(error)s',
    'No webhook at SimplyPrint points at this server (%(url)s); %(n)s point elsewhere: '
    '%(others)s.':
        'Ни один вебхук в SimplyPrint не ведёт на этот сервер (%(url)s); %(n)s ведут в '
        'другое место: %(others)s.',
    'No webhook is registered at SimplyPrint for this server: nothing is delivered. '
    'Register it with manage.py register_webhooks.':
        'Для этого сервера в SimplyPrint не зарегистрирован вебхук: ничего не доставляется. '
        'Зарегистрируйте его командой manage.py register_webhooks.',
    'Our webhook #%(id)s is disabled at SimplyPrint: nothing is delivered.':
        'Наш вебхук #%(id)s отключён в SimplyPrint: ничего не доставляется.',
    'No delivery for %(minutes)s min while %(busy)s printers print.':
        'Нет доставок уже %(minutes)s мин, хотя печатают принтеров: %(busy)s.',
    "Polling has taken over: state is read from SimplyPrint's API every %(seconds)s s "
    '(%(reason)s).':
        'Теперь работает опрос: состояние читается из API SimplyPrint каждые %(seconds)s с '
        '(%(reason)s).',
    'Polling takes over after %(minutes)s min without deliveries while printers print; '
    'until then changes may be missed.':
        'Опрос включится после %(minutes)s мин без доставок во время печати; до тех пор '
        'изменения могут теряться.',
    'Alerts: sound and browser notifications': 'Оповещения: звук и уведомления браузера',
    'Printer, group, model, tag, material or file':
        'Принтер, группа, модель, метка, материал или файл',
    'Needs a person': 'Нужен человек',
    'Everything that needs a person': 'Всё, что требует человека',
    'Attention first': 'Сначала требующие внимания',
    'Job started': 'Печать началась',
    'Job paused': 'Печать приостановлена',
    'Job resumed': 'Печать продолжена',
    'Job cancelled': 'Печать отменена',
    'Job done': 'Печать завершена',
    'Job failed': 'Печать не удалась',
    'Bed cleared': 'Стол очищен',
    'Objects skipped': 'Объекты пропущены',
    'AutoPrint changed': 'AutoPrint изменён',
    'Nozzle changed': 'Сопло изменено',
    'Material changed': 'Материал изменён',
    'Tag assigned': 'Метка назначена',
    'Tag detached': 'Метка снята',
    'Out of order changed': 'Неисправность изменена',
    'AI failure detected': 'ИИ обнаружил сбой',
    'Queue item added': 'Добавлено в очередь',
    'Queue item deleted': 'Удалено из очереди',
    'Queue emptied': 'Очередь очищена',
    'Queue item moved': 'Позиция очереди перемещена',
    'Queue item revived': 'Позиция очереди возвращена',
    'Queue item awaits approval': 'Позиция ждёт одобрения',
    'Queue item approved': 'Позиция одобрена',
    'Queue item denied': 'Позиция отклонена',
    'Test delivery': 'Тестовая доставка',
    'webhooks': 'вебхуки',
    'polling': 'опрос',
    'sync state': 'состояние синхронизации',
    'print failed': 'печать не удалась',
    'printer offline': 'принтер не в сети',
    'awaiting approval': 'ждёт одобрения',
    'sent': 'отправлено',
    'SimplyPrint id of the job, printer or queue item':
        'Идентификатор SimplyPrint задания, принтера или позиции очереди',
    'unknown printer': 'неизвестный принтер',
    'no reason given': 'причина не указана',
    '❌ Print failed on %(printer)s': '❌ Печать не удалась на %(printer)s',
    '%(file)s failed: %(reason)s.': '%(file)s не удалось: %(reason)s.',
    '⚠️ AI flagged the print on %(printer)s': '⚠️ ИИ заметил сбой печати на %(printer)s',
    '%(file)s: %(type)s, %(confidence)s %% confidence.':
        '%(file)s: %(type)s, уверенность %(confidence)s %%.',
    'failure': 'сбой',
    'It was printing %(file)s.': 'Он печатал %(file)s.',
    'It was not printing.': 'Он не печатал.',
    '🔌 %(printer)s is offline': '🔌 %(printer)s не в сети',
    'someone': 'кто-то',
    '⏳ Awaiting approval: %(file)s': '⏳ Ждёт одобрения: %(file)s',
    'Added to the queue by %(who)s.': 'Добавил в очередь: %(who)s.',
    'printfarm: test notification': 'printfarm: тестовое уведомление',
    'Alerts from printfarm reach this channel.': 'Оповещения printfarm доходят до этого канала.',
    'Failures': 'Сбои',
    'AI flags': 'Сигналы ИИ',
    'Offline printers': 'Принтеры не в сети',
    'Alert me about': 'Оповещать о',
    'Sound': 'Звук',
    'Browser notification': 'Уведомление браузера',
    'Kept for your user in this browser.': 'Сохраняется для вашего пользователя в этом браузере.',
    'Print failed on %(printer)s': 'Печать не удалась на %(printer)s',
    'AI flagged the print on %(printer)s': 'ИИ заметил сбой печати на %(printer)s',
    '%(printer)s is offline': '%(printer)s не в сети',
    'Awaiting approval: %(file)s': 'Ждёт одобрения: %(file)s',
    'AI-flagged': 'Сигнал ИИ',
    'Bed to clear': 'Очистить стол',
    'free now: %(n)s (%(names)s)': 'свободны сейчас: %(n)s (%(names)s)',
    'no printer can take work': 'ни один принтер не может взять работу',
    'queued work runs out first on %(name)s at %(time)s':
        'работа из очереди раньше всех закончится на %(name)s в %(time)s',
    'All': 'Все',
    'Stale since %(time)s: the server does not answer': 'Устарело с %(time)s: сервер не отвечает',
    'Stale since %(time)s: changes are not arriving':
        'Устарело с %(time)s: изменения не приходят',
    'AI: %(what)s, %(pct)s sure · %(when)s': 'ИИ: %(what)s, уверенность %(pct)s · %(when)s',
    'frame': 'кадр',
    'AI: %(what)s': 'ИИ: %(what)s',
    'by %(who)s': '— %(who)s',
    'Open in SimplyPrint': 'Открыть в SimplyPrint',
    'offline since %(time)s': 'не в сети с %(time)s',
    'was printing %(file)s (%(pct)s)': 'печатал %(file)s (%(pct)s)',
    'was not printing': 'не печатал',
    'set by %(who)s': 'установил(а) %(who)s',
    'No printer matches the filter.': 'Ни один принтер не подходит под фильтр.',
    "Disabling this server's own webhook stops SimplyPrint's deliveries here: changes "
    'then arrive only by polling the API (every 30 s), and the page shows “Polling”. '
    'Disable it?':
        'Отключение собственного вебхука этого сервера останавливает доставки от '
        'SimplyPrint сюда: изменения будут приходить только опросом API (каждые 30 с), а '
        'страница покажет «Опрос». Отключить?',
    'SimplyPrint stops delivering to %(url)s. Disable it?':
        'SimplyPrint перестанет доставлять на %(url)s. Отключить?',
    'Keep it enabled': 'Оставить включённым',
    'Sample %(event)s: would be %(status)s, would change %(n)s; rolled back, nothing '
    'kept.':
        'Образец %(event)s: результат — %(status)s, изменил бы %(n)s; откатано, ничего не '
        'сохранено.',
    'rolled back': 'откатано',
    'What it would have changed (nothing was kept):': 'Что бы изменилось (ничего не сохранено):',
    'nothing': 'ничего',
    'sample': 'образец',
    'No queue item matches the filter.': 'Ни одна позиция очереди не подходит под фильтр.',
    # --- issue 17: views, drawer, timeline, wall display, phone, themes
    "Skip to the content": "Перейти к содержимому",
    "Menu": "Меню",
    "Theme": "Тема",
    "Auto": "Как в системе",
    "Light": "Светлая",
    "Dark": "Тёмная",
    "What needs a person": "Что требует человека",
    "Search (press /)": "Поиск (клавиша /)",
    "View": "Вид",
    "Cards": "Карточки",
    "List": "Список",
    "Heat map": "Тепловая карта",
    "Group by": "Группировать по",
    "printer group (bay)": "группе принтеров (отсеку)",
    "model": "модели",
    "Zoom": "Масштаб",
    "days": "дн.",
    "Earlier": "Раньше",
    "Later": "Позже",
    "Follow now": "Следовать за «сейчас»",
    "Arrow keys move between blocks; Enter or a tap shows one.":
        "Стрелки переходят между блоками; Enter или касание показывают блок.",
    "Actions": "Действия",
    "No printer %(id)s.": "Принтера %(id)s нет.",
    "Progress": "Прогресс",
    "%(left)s left": "осталось %(left)s",
    "ends %(time)s": "до %(time)s",
    "Unknown model": "Модель неизвестна",
    "Ends at": "Окончание",
    "Needs": "Требуется",
    "No printer #%(id)s on this farm.": "На этой ферме нет принтера #%(id)s.",
    "stale": "устарело",
    "live via webhook": "вживую через вебхук",
    "from the last poll": "из последнего опроса",
    "Failure rate": "Доля неудач",
    "Next from the queue": "Следующее из очереди",
    "Last 20 jobs": "Последние 20 печатей",
    "Open this printer in SimplyPrint": "Открыть этот принтер в SimplyPrint",
    "Printing for": "Печатает уже",
    "Time left": "Осталось",
    "Material": "Материал",
    "Nozzle": "Сопло",
    "Tags": "Метки",
    "no": "нет",
    "%(days)s days": "%(days)s дн.",
    "%(failed)s failed of %(ended)s ended, %(cancelled)s cancelled":
        "неудачных %(failed)s из %(ended)s завершённых, отменено %(cancelled)s",
    "no job ended": "ни одна печать не завершилась",
    "Nothing in the queue for this printer.": "В очереди нет ничего для этого принтера.",
    "It takes nothing, and nothing in the queue may go to it.":
        "Он ничего не берёт, и ничто в очереди не может пойти на него.",
    "It takes nothing now (%(why)s); once it can, it may print:":
        "Сейчас он ничего не берёт (%(why)s); когда сможет, может печатать:",
    "no estimate": "без оценки",
    "No jobs yet.": "Печатей пока нет.",
    "copy %(n)s": "копия %(n)s",
    "page %(n)s of %(of)s": "страница %(n)s из %(of)s",
    # --- operator actions (apps/simpleprint/actions, the audit trail, the admin)
    "The service stopped before SimplyPrint answered: whether it happened is unknown. Look at "
    "the printer or the queue.":
        "Сервис остановился до ответа SimplyPrint: неизвестно, выполнено ли действие. "
        "Проверьте принтер или очередь.",
    "SimplyPrint accepted it, but neither a webhook nor a poll showed the new state within "
    "%(seconds)s s.":
        "SimplyPrint принял действие, но ни вебхук, ни опрос не показали новое состояние за "
        "%(seconds)s с.",
    "printer %(id)s": "принтер %(id)s",
    "queue item %(name)s": "позиция очереди %(name)s",
    "Cannot pause %(name)s: it is offline.": "Нельзя поставить на паузу %(name)s: он не в сети.",
    "Cannot resume %(name)s: it is offline.": "Нельзя продолжить печать на %(name)s: он не в сети.",
    "Cannot cancel the print of %(name)s: it is offline.":
        "Нельзя отменить печать на %(name)s: он не в сети.",
    "Cannot start a print on %(name)s: it is offline.":
        "Нельзя запустить печать на %(name)s: он не в сети.",
    "Cannot clear the bed of %(name)s: a print is running on it.":
        "Нельзя очистить стол %(name)s: на нём идёт печать.",
    "%(name)s has no bed to clear.": "У %(name)s нечего убирать со стола.",
    "Cannot pause %(name)s: it is not printing.":
        "Нельзя поставить на паузу %(name)s: он не печатает.",
    "Cannot resume %(name)s: it is not paused.":
        "Нельзя продолжить печать на %(name)s: он не на паузе.",
    "Cannot cancel a print on %(name)s: none is running.":
        "Нельзя отменить печать на %(name)s: печать не идёт.",
    "Cannot start a print on %(name)s: it is %(condition)s.":
        "Нельзя запустить печать на %(name)s: его состояние — %(condition)s.",
    "Nothing in the queue is for %(name)s.": "В очереди нет ничего для %(name)s.",
    "Queue item %(item)s cannot be printed: it is %(state)s with %(left)s copies left.":
        "Позицию очереди %(item)s нельзя напечатать: её состояние — %(state)s, осталось копий: "
        "%(left)s.",
    "The printer started job %(job)s, not the one SimplyPrint answered with (%(ids)s): another "
    "start (AutoPrint, or someone in SimplyPrint) came first.":
        "Принтер начал задание %(job)s, а не то, о котором ответил SimplyPrint (%(ids)s): другой "
        "запуск (AutoPrint или кто-то в SimplyPrint) успел раньше.",
    "Cannot move %(name)s: it is %(state)s.":
        "Нельзя переместить %(name)s: её состояние — %(state)s.",
    "%(name)s is in queue group %(group)s already.": "%(name)s уже в группе очереди %(group)s.",
    "%(name)s is at position %(position)s already.": "%(name)s уже на позиции %(position)s.",
    "SimplyPrint left it in queue group %(group)s (at position %(position)s) instead of moving "
    "it to group %(target)s.":
        "SimplyPrint оставил её в группе очереди %(group)s (на позиции %(position)s) вместо "
        "перемещения в группу %(target)s.",
    "SimplyPrint put it at position %(position)s, not %(target)s.":
        "SimplyPrint поставил её на позицию %(position)s, а не %(target)s.",
    "Cannot approve %(name)s: it is %(state)s, not awaiting approval.":
        "Нельзя одобрить %(name)s: её состояние — %(state)s, она не ждёт одобрения.",
    "Cannot deny %(name)s: it is %(state)s, not awaiting approval.":
        "Нельзя отклонить %(name)s: её состояние — %(state)s, она не ждёт одобрения.",
    "Cannot revive %(name)s: it is %(state)s, not done.":
        "Нельзя вернуть %(name)s в очередь: её состояние — %(state)s, она не готова.",
    "Cannot remove %(name)s: it is %(state)s.":
        "Нельзя удалить %(name)s: её состояние — %(state)s.",
    "printer": "принтер",
    "queue item": "позиция очереди",
    "No %(what)s with SimplyPrint id %(ids)s is known to this service.":
        "Этому сервису неизвестен объект «%(what)s» с id в SimplyPrint %(ids)s.",
    "This request key was used for another action (%(kind)s on %(targets)s): send a new key "
    "for a new action.":
        "Этот ключ запроса уже использован для другого действия (%(kind)s для %(targets)s): "
        "для нового действия нужен новый ключ.",
    "Already asked with this request key at %(time)s: nothing was sent again.":
        "Уже запрошено с этим ключом в %(time)s: повторно ничего не отправлено.",
    "The next item for %(name)s is now %(now)s, not %(then)s as the page showed: look again "
    "before starting it.":
        "Следующая позиция для %(name)s теперь %(now)s, а не %(then)s, как было на странице: "
        "посмотрите ещё раз, прежде чем запускать.",
    "showing job %(job)s": "с заданием %(job)s",
    "showing no job": "без задания",
    "%(name)s is now %(now)s; the page showed it %(then)s. Look again before acting.":
        "%(name)s сейчас: %(now)s; на странице было: %(then)s. Посмотрите ещё раз, прежде чем "
        "действовать.",
    "%(target)s already has %(kind)s %(status)s (asked by %(user)s at %(time)s): wait until "
    "SimplyPrint confirms it.":
        "Для %(target)s уже есть действие «%(kind)s» (%(status)s; запросил %(user)s в %(time)s): "
        "дождитесь подтверждения от SimplyPrint.",
    "SimplyPrint accepted it; waiting for the printer or queue to show it.":
        "SimplyPrint принял действие; ждём, когда принтер или очередь это покажут.",
    "SimplyPrint did not answer in time: it may or may not have happened. Waiting for the "
    "printer or queue to show it.":
        "SimplyPrint не ответил вовремя: действие могло выполниться, а могло и нет. Ждём, что "
        "покажут принтер или очередь.",
    "SimplyPrint could not be reached: %(error)s. Nothing was done; try again later.":
        "Не удалось связаться с SimplyPrint: %(error)s. Ничего не сделано; попробуйте позже.",
    "SimplyPrint is limiting this service's requests (HTTP 429): nothing was done. Try again "
    "in a minute.":
        "SimplyPrint ограничивает запросы этого сервиса (HTTP 429): ничего не сделано. "
        "Попробуйте через минуту.",
    " Check the SimplyPrint plan and what the API key's user may do.":
        " Проверьте тариф SimplyPrint и права пользователя API-ключа.",
    " Check SIMPLEPRINT_API_KEY.": " Проверьте SIMPLEPRINT_API_KEY.",
    "SimplyPrint refused it (HTTP %(status)s): %(message)s.%(hint)s Nothing was done.":
        "SimplyPrint отказал (HTTP %(status)s): %(message)s.%(hint)s Ничего не сделано.",
    "action": "действие",
    "parameters": "параметры",
    "what the page showed": "что показывала страница",
    "worked out by the service": "вычислено сервисом",
    "request to SimplyPrint": "запрос к SimplyPrint",
    "SimplyPrint's answer": "ответ SimplyPrint",
    "confirming event": "подтверждающее событие",
    "Send the selected actions again (failed, unconfirmed or refused ones)":
        "Отправить выбранные действия ещё раз (неудавшиеся, неподтверждённые или отклонённые)",
    "#%(id)s skipped: it happened, is still open, or needs a permission you lack.":
        "#%(id)s пропущено: оно выполнено, ещё ждёт подтверждения или требует права, которого "
        "у вас нет.",
    "clear bed": "очистка стола",
    "pause": "пауза",
    "resume": "продолжение",
    "cancel": "отмена",
    "start print": "запуск печати",
    "approve": "одобрение",
    "deny": "отклонение",
    "move": "перемещение",
    "revive": "возврат в очередь",
    "remove": "удаление",
    "sending": "отправляется",
    "confirmed": "подтверждено",
    "mismatch": "расхождение",
    "unconfirmed": "не подтверждено",
    "refused": "отклонено сервисом",
    "The action's parameters, as the operator gave them":
        "Параметры действия, как их задал оператор",
    "What the page showed when the operator acted":
        "Что показывала страница, когда оператор действовал",
    "What the service worked out for the call: the queue item to start, where an item was, the "
    "job the printer showed":
        "Что сервис вычислил для вызова: позицию очереди для запуска, где была позиция, какое "
        "задание показывал принтер",
    "The call made to SimplyPrint: method, endpoint, query and body":
        "Вызов SimplyPrint: метод, адрес, параметры запроса и тело",
    "What SimplyPrint did, in words": "Что сделал SimplyPrint, словами",
    "operator action": "действие оператора",
    "Operator actions": "Действия операторов",
    "flagged by the AI": "с сигналом ИИ",
    "in error": "с ошибкой",
    "failed, bed to clear": "сбой, очистить стол",
    "cancelled, bed to clear": "отменено, очистить стол",
    "done, bed to clear": "готово, очистить стол",
    "ready": "готов",
    # --- the Planning page: operator actions (actions.js)
    "Selection": "Выбор",
    "%(left)s copies left are not printed. SimplyPrint deletes the item.":
        "Оставшиеся копии (%(left)s) не будут напечатаны. SimplyPrint удалит позицию.",
    "%(n)s printers selected": "Выбрано принтеров: %(n)s",
    "%(n)s queue items selected": "Выбрано позиций очереди: %(n)s",
    "%(who)s sees the reason.": "%(who)s увидит причину.",
    "Also remove it from the queue (otherwise it stays, denied, for its owner to revise)":
        "Также удалить из очереди (иначе позиция остаётся отклонённой, чтобы владелец её исправил)",
    "Approve %(n)s queue items": "Одобрить позиции очереди: %(n)s",
    "Approve %(name)s": "Одобрить %(name)s",
    "Approve": "Одобрить",
    "Approve…": "Одобрить…",
    "Approving": "Одобрение",
    "Back": "Назад",
    "Bring the done item back into the queue.": "Вернуть выполненную позицию в очередь.",
    "Cancel print": "Отменить печать",
    "Cancel the print on %(name)s": "Отменить печать на %(name)s",
    "Choose a reason": "Выберите причину",
    "Clear bed": "Очистить стол",
    "Clear beds…": "Очистить столы…",
    "Clear selection": "Снять выбор",
    "Clear the bed of %(name)s": "Очистить стол %(name)s",
    "Clear the beds of %(n)s printers": "Очистить столы принтеров: %(n)s",
    "Clearing the bed": "Очистка стола",
    "Comment (optional, kept in the audit trail)":
        "Комментарий (необязательно, сохраняется в журнале действий)",
    "Deny %(name)s": "Отклонить %(name)s",
    "Deny": "Отклонить",
    "Denying": "Отклонение",
    "Dismiss": "Скрыть",
    "Failed: send it back to the queue": "Неудачно: вернуть в очередь",
    "Fell off the plate": "Отклеилась от стола",
    "Fill in what is marked required.": "Заполните обязательные поля.",
    "From position %(from)s to position 1: it is printed before the rest of the queue.":
        "С позиции %(from)s на позицию 1: она будет напечатана раньше остальной очереди.",
    "It is at position %(from)s of the queue.": "Сейчас она на позиции %(from)s в очереди.",
    "Move %(name)s to the top": "Поднять %(name)s в начало очереди",
    "Move %(name)s": "Переместить %(name)s",
    "Move…": "Переместить…",
    "Moving": "Перемещение",
    "New position (1 = the top)": "Новая позиция (1 = начало очереди)",
    "No filament extruded / nozzle clog": "Пластик не выдавливается / засор сопла",
    "Not enough filament": "Не хватает пластика",
    "OK": "Удачно",
    "Other": "Другое",
    "Pause %(name)s": "Приостановить %(name)s",
    "Pause the print %(file)s. It can be resumed.":
        "Приостановить печать %(file)s. Её можно будет продолжить.",
    "Pause": "Пауза",
    "Pausing": "Приостановка",
    "Print %(file)s: the next queue item the timeline shows for this printer.":
        "Напечатать %(file)s: следующую позицию очереди, которую план показывает для этого "
        "принтера.",
    "Print failed": "Печать не удалась",
    "Reason": "Причина",
    "Regretted print": "Передумали печатать",
    "Remove %(name)s from the queue": "Удалить %(name)s из очереди",
    "Remove": "Удалить",
    "Removing": "Удаление",
    "Resume %(name)s": "Продолжить %(name)s",
    "Resume the paused print %(file)s.": "Продолжить приостановленную печать %(file)s.",
    "Resume": "Продолжить",
    "Resuming": "Возобновление",
    "Revive %(name)s": "Вернуть %(name)s в очередь",
    "Revive": "Вернуть в очередь",
    "Reviving": "Возврат в очередь",
    "Select %(name)s": "Выбрать %(name)s",
    "Select": "Выбрать",
    "Start next": "Запустить следующую",
    "Start the next print on %(name)s": "Запустить следующую печать на %(name)s",
    "Starting the next print": "Запуск следующей печати",
    "Stop the print %(file)s for good: it cannot be resumed.":
        "Остановить печать %(file)s окончательно: продолжить её будет нельзя.",
    "The item may be printed once approved.": "После одобрения позицию можно печатать.",
    "The print %(file)s has ended. Was it good? SimplyPrint marks the bed clear and the "
    "printer takes work again.":
        "Печать %(file)s закончилась. Удачно ли? SimplyPrint отметит стол очищенным, и принтер "
        "снова начнёт брать работу.",
    "The print was": "Печать прошла",
    "To the top": "В начало",
    "Too many requests: wait a minute and try again.":
        "Слишком много запросов: подождите минуту и попробуйте снова.",
    "Whoever added it": "Добавивший её",
    "pending…": "ожидает подтверждения…",
    # --- the printer drawer's recent actions
    "Recent actions": "Последние действия",
    "No action taken from this service yet.": "Через этот сервис действий ещё не было.",
    "SimplyPrint did something else": "SimplyPrint сделал другое",
    "not confirmed": "не подтверждено",
}

# An entry, with the fuzzy flag msgmerge may have put on it (a guess from a similar string: its
# other flags, then the previous msgid in "#|" lines): an entry filled from the table is no
# longer a guess.
ENTRY = re.compile(
    r'(?:#, fuzzy((?:, [\w-]+)*)\n)?(?:#\|.*\n)*'
    r'msgid ((?:"(?:[^"\\]|\\.)*"\n)+)msgstr ((?:"(?:[^"\\]|\\.)*"\n)+)')


def unquote(block: str) -> str:
    return "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', block)).replace('\\"', '"')


def quote(text: str) -> str:
    return '"' + text.replace('"', '\\"') + '"\n'


def fill(path: Path) -> list[str]:
    missing: list[str] = []

    def replace(match: re.Match[str]) -> str:
        msgid = unquote(match.group(2))
        if not msgid:  # the header: no longer a draft
            return f"msgid {match.group(2)}msgstr {match.group(3)}"
        if msgid not in RU:
            missing.append(msgid)
            return match.group(0)
        flags = f"#{match.group(1)}\n" if match.group(1) else ""  # without "fuzzy"
        return f"{flags}msgid {match.group(2)}msgstr {quote(RU[msgid])}"

    text = ENTRY.sub(replace, path.read_text())
    text = text.replace('"Language: \\n"', '"Language: ru\\n"')
    path.write_text(text)
    return missing


if __name__ == "__main__":
    here = Path(__file__).parent / "ru" / "LC_MESSAGES"
    for name in ("django.po", "djangojs.po"):
        for msgid in fill(here / name):
            print(f"{name}: no translation for {msgid!r}")
