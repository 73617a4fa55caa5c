"""Plain-language search topics: everyday words mapped onto public code ranges.

CMS ships no descriptors we may redistribute, so `rvutool search knee` needs words of our
own. Each topic is a label in rvutool's words, the search words that reach it, and the
inclusive code ranges (from the public structure of CPT, HCPCS and CDT) it covers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rvutool.names.laywords import Slot


@dataclass(frozen=True)
class Topic:
    label: str
    words: tuple[str, ...]
    ranges: tuple[tuple[str, str], ...]


def _same_shape(code: str, bound: str) -> bool:
    """Compare like with like: 27447 with numeric bounds, G0438 with G bounds, never 2010F with 19000."""
    return len(code) == len(bound) and all(a.isdigit() == b.isdigit() for a, b in zip(code, bound, strict=True)) \
        and (bound[0].isdigit() or code[0] == bound[0])


T = Topic
TOPICS: tuple[Topic, ...] = (
    # Musculoskeletal, by region
    T("face, jaw and skull bones", ("face", "jaw", "skull", "mandible", "facial"), (("21010", "21499"),)),
    T("chest wall, ribs and sternum", ("rib", "ribs", "sternum", "chest wall"), (("21501", "21899"),)),
    T("spine (bones and discs)", ("spine", "spinal", "vertebra", "disc", "fusion", "back"), (("22010", "22899"),)),
    T("shoulder", ("shoulder", "clavicle", "scapula", "rotator cuff"), (("23000", "23929"), ("29806", "29828"))),
    T("upper arm and elbow", ("elbow", "humerus", "arm"), (("23930", "24999"), ("29830", "29838"))),
    T("forearm and wrist", ("wrist", "forearm", "radius", "ulna"), (("25000", "25999"), ("29840", "29847"))),
    T("hand and fingers", ("hand", "finger", "fingers", "thumb"), (("26010", "26989"),)),
    T("pelvis and hip", ("hip", "pelvis", "pelvic", "acetabulum"), (("26990", "27299"), ("29860", "29863"))),
    T("hip replacement", ("hip replacement", "hip arthroplasty", "replacement", "arthroplasty"),
      (("27125", "27138"),)),
    T("thigh and knee", ("knee", "femur", "thigh", "patella", "kneecap"), (("27301", "27599"), ("29866", "29889"))),
    T("knee replacement", ("knee replacement", "knee arthroplasty", "replacement", "arthroplasty", "tka"),
      (("27437", "27447"), ("27486", "27488"))),
    T("lower leg and ankle", ("ankle", "tibia", "fibula", "leg", "achilles"), (("27600", "27899"), ("29891", "29899"))),
    T("foot and toes", ("foot", "toe", "toes", "bunion", "heel"), (("28001", "28899"),)),
    T("casts, splints and strapping", ("cast", "splint", "strapping"), (("29000", "29799"),)),
    T("arthroscopy", ("arthroscopy", "arthroscopic", "scope"), (("29800", "29999"),)),
    # Other surgery
    T("skin lesions, biopsies and excisions", ("skin", "lesion", "mole", "excision", "shave", "wart"),
      (("11000", "11646"), ("17000", "17286"))),
    T("wound and laceration repair", ("laceration", "wound", "repair", "stitches", "sutures"), (("12001", "13160"),)),
    T("breast", ("breast", "mastectomy", "lumpectomy"), (("19000", "19499"),)),
    T("nose and sinuses", ("nose", "nasal", "sinus", "septoplasty"), (("30000", "31299"),)),
    T("endobronchial ultrasound (EBUS)", ("ebus", "endobronchial ultrasound"), (("31652", "31654"),)),
    T("larynx and bronchoscopy", ("larynx", "laryngoscopy", "bronchoscopy", "airway"), (("31300", "31899"),)),
    T("lungs and chest", ("lung", "lungs", "thoracoscopy", "thoracic", "pleura", "chest tube"), (("32035", "32999"),)),
    T("heart surgery", ("heart", "cardiac", "valve", "bypass", "cabg", "pacemaker", "defibrillator"),
      (("33016", "33999"),)),
    T("arteries and veins", ("artery", "vein", "vascular", "varicose", "aneurysm", "stent", "catheter", "line"),
      (("34001", "37799"),)),
    T("lymph nodes and spleen", ("lymph", "spleen", "bone marrow"), (("38100", "38999"),)),
    T("mouth, tongue and throat", ("mouth", "tongue", "tonsil", "tonsillectomy", "adenoid"), (("40490", "42999"),)),
    T("upper endoscopy (EGD) and ERCP", ("egd", "upper endoscopy", "endoscopy", "ercp", "esophagus"),
      (("43180", "43278"),)),
    T("stomach and bariatric surgery", ("stomach", "gastric", "bariatric", "sleeve", "gastrostomy", "peg"),
      (("43500", "43999"),)),
    T("intestines and colon surgery", ("intestine", "bowel", "colectomy", "colon", "ostomy"), (("44005", "44799"),)),
    T("appendix", ("appendix", "appendectomy", "appy"), (("44900", "44979"),)),
    T("colonoscopy and sigmoidoscopy", ("colonoscopy", "sigmoidoscopy", "endoscopy", "colon", "polyp"),
      (("45300", "45398"),)),
    T("rectum and anus", ("rectum", "anus", "anal", "hemorrhoid", "fistula"), (("45000", "45299"), ("45500", "46999"))),
    T("liver", ("liver", "hepatic"), (("47000", "47399"),)),
    T("laparoscopic cholecystectomy", ("lap chole", "laparoscopic cholecystectomy", "cholecystectomy", "chole"),
      (("47562", "47564"),)),
    T("gallbladder and bile ducts", ("gallbladder", "cholecystectomy", "chole", "bile"), (("47400", "47999"),)),
    T("pancreas", ("pancreas", "pancreatic", "whipple"), (("48000", "48999"),)),
    T("abdomen, peritoneum and hernia", ("hernia", "abdomen", "abdominal", "laparoscopy", "peritoneum"),
      (("49000", "49999"),)),
    T("kidney and ureter", ("kidney", "renal", "ureter", "nephrectomy", "stone"), (("50010", "50980"),)),
    T("bladder, cystoscopy and urethra", ("bladder", "cystoscopy", "urethra", "turp", "prostate"),
      (("51020", "53899"),)),
    T("male genital and prostate", ("penis", "testis", "scrotum", "vasectomy", "prostate", "prostatectomy"),
      (("54000", "55899"),)),
    T("female genital and gynecology", ("gynecology", "gyn", "uterus", "hysterectomy", "ovary", "cervix", "vulva"),
      (("56405", "58999"),)),
    T("pregnancy and delivery", ("pregnancy", "delivery", "obstetric", "cesarean", "c-section", "vaginal delivery"),
      (("59000", "59899"),)),
    T("thyroid, parathyroid and adrenal", ("thyroid", "parathyroid", "adrenal", "thyroidectomy"),
      (("60000", "60699"),)),
    T("brain and skull surgery", ("brain", "craniotomy", "skull", "neurosurgery", "shunt"), (("61000", "62258"),)),
    T("spinal injections and epidurals", ("epidural", "spinal tap", "lumbar puncture", "injection"),
      (("62263", "62380"),)),
    T("spinal cord and laminectomy", ("laminectomy", "spinal cord", "decompression", "stimulator"),
      (("63001", "63746"),)),
    T("nerve blocks and nerve surgery", ("nerve", "nerve block", "block", "carpal tunnel", "neurolysis"),
      (("64400", "64999"),)),
    T("eye surgery", ("eye", "cataract", "glaucoma", "retina", "cornea", "eyelid", "strabismus"),
      (("65091", "68899"),)),
    T("ear surgery", ("ear", "tympanostomy", "ear tubes", "cochlear", "mastoid"), (("69000", "69979"),)),
    # Imaging
    T("CT scans", ("ct", "cat scan", "computed tomography"),
      (("70450", "70498"), ("71250", "71275"), ("72125", "72133"), ("72191", "72194"), ("73200", "73206"),
       ("73700", "73706"), ("74150", "74178"), ("74261", "74263"))),
    T("MRI", ("mri", "magnetic resonance"),
      (("70540", "70559"), ("71550", "71555"), ("72141", "72159"), ("72195", "72198"), ("73218", "73225"),
       ("73718", "73725"), ("74181", "74185"))),
    T("x-rays", ("x-ray", "xray", "radiograph", "film"),
      (("70100", "70360"), ("71045", "71130"), ("72020", "72120"), ("73000", "73140"), ("73501", "73660"),
       ("74018", "74022"))),
    T("ultrasound", ("ultrasound", "sonogram", "doppler", "duplex"), (("76506", "76999"), ("93880", "93998"))),
    T("mammography and bone density", ("mammogram", "mammography", "dexa", "bone density"), (("77065", "77086"),)),
    T("radiation oncology", ("radiation", "radiotherapy", "brachytherapy"), (("77261", "77799"),)),
    T("nuclear medicine and PET", ("nuclear", "pet", "scintigraphy", "spect"), (("78012", "79999"),)),
    # Lab and medicine
    T("blood test panels", ("lab", "labs", "panel", "blood test", "metabolic"), (("80047", "80081"),)),
    T("urinalysis", ("urinalysis", "urine"), (("81000", "81099"),)),
    T("surgical pathology", ("pathology", "biopsy", "specimen", "cytology"), (("88104", "88399"),)),
    T("vaccines and immunization", ("vaccine", "vaccination", "immunization", "shot", "flu shot"),
      (("90460", "90759"),)),
    T("psychiatry and psychotherapy", ("psychiatry", "psychotherapy", "therapy", "counseling", "mental health"),
      (("90785", "90899"),)),
    T("dialysis", ("dialysis", "hemodialysis"), (("90935", "90999"),)),
    T("gastroenterology tests", ("manometry", "ph monitoring", "breath test"), (("91010", "91299"),)),
    T("eye exams", ("eye exam", "ophthalmology", "vision"), (("92002", "92499"),)),
    T("hearing and speech", ("hearing", "audiology", "speech", "audiogram"), (("92502", "92700"),)),
    T("ECG, echo and cardiac testing", ("ecg", "ekg", "echo", "echocardiogram", "stress test", "holter"),
      (("93000", "93356"),)),
    T("cardiac catheterization and PCI", ("catheterization", "cath", "angiography", "pci", "angioplasty"),
      (("92920", "92979"), ("93451", "93583"))),
    T("pulmonary function and sleep", ("pulmonary function", "spirometry", "sleep study", "polysomnography"),
      (("94010", "94799"), ("95782", "95811"))),
    T("allergy testing and shots", ("allergy", "allergen", "immunotherapy"), (("95004", "95199"),)),
    T("neurology tests (EEG, EMG, nerve conduction)", ("eeg", "emg", "nerve conduction", "neurology"),
      (("95812", "95999"),)),
    T("infusions and injections", ("infusion", "injection", "iv", "hydration"), (("96360", "96379"),)),
    T("chemotherapy", ("chemotherapy", "chemo"), (("96401", "96549"),)),
    T("physical medicine and rehabilitation", ("physical therapy", "pt", "rehab", "rehabilitation", "exercise",
                                               "manual therapy", "occupational therapy"), (("97010", "97799"),)),
    T("osteopathic and chiropractic manipulation", ("omt", "osteopathic", "chiropractic", "manipulation"),
      (("98925", "98943"),)),
    # Visits (E/M)
    T("office visits", ("office visit", "office", "clinic", "outpatient", "visit"), (("99202", "99215"),)),
    T("hospital visits", ("hospital", "inpatient", "admission", "rounding", "discharge", "observation", "visit"),
      (("99221", "99239"),)),
    T("consultations", ("consult", "consultation"), (("99242", "99255"),)),
    T("emergency department visits", ("emergency", "er", "ed", "emergency department"), (("99281", "99288"),)),
    T("critical care", ("critical care", "icu"), (("99291", "99292"),)),
    T("nursing facility visits", ("nursing home", "nursing facility", "snf"), (("99304", "99316"),)),
    T("home visits", ("home visit", "home"), (("99341", "99350"),)),
    T("prolonged services", ("prolonged",), (("99415", "99418"),)),
    T("preventive visits and physicals", ("preventive", "physical", "wellness", "checkup", "annual"),
      (("99381", "99397"), ("G0438", "G0439"))),
    T("newborn and neonatal care", ("newborn", "neonatal", "nicu"), (("99460", "99486"),)),
    T("care management and transitions", ("care management", "transitional care", "chronic care"),
      (("99487", "99491"), ("99495", "99496"))),
    T("advance care planning", ("advance care planning", "advance directive"), (("99497", "99498"),)),
    T("anesthesia", ("anesthesia", "anaesthesia"), (("00100", "01999"),)),
)


def matching(phrases: list[str], slots: list[Slot]) -> list[tuple[int, Topic]]:
    """Topics the query belongs to: one of its phrases (as typed, or in clinical words) is a keyword of the
    topic; or every slot that is not generic meets a word of one (the word, the start of one when 4+ letters,
    its plural, or a slip search may take: words.sure_slip). A query of generic words alone meets none."""
    from rvutool.names import words as cuts

    wanted = [slot for slot in slots if not slot.generic]
    found = []
    for order, topic in enumerate(TOPICS):
        if any(phrase in topic.words for phrase in phrases):
            found.append((order, topic))
            continue
        if not wanted:
            continue
        tokens = {token for word in (*topic.words, topic.label.lower()) for token in word.replace("-", " ").split()}
        stems = {cuts.stem(t) for t in tokens}
        if all(any(w in stems or (len(w) >= 4 and any(t.startswith(w) for t in tokens))
                   or any(cuts.near(w, t) and cuts.sure_slip(w, t) for t in stems if len(w) >= cuts.TYPO_MIN)
                   for w in slot.alternatives) for slot in wanted):
            found.append((order, topic))
    return found


def codes_in(sorted_codes: list[str], found: list[tuple[int, Topic]]) -> dict[str, tuple[int, Topic]]:
    """Each code of a sorted list that a matched topic covers, with the first such topic.

    Bisects each range instead of testing every code against every topic.
    """
    from bisect import bisect_left, bisect_right

    hits: dict[str, tuple[int, Topic]] = {}
    for order, topic in found:
        for lo, hi in topic.ranges:
            for code in sorted_codes[bisect_left(sorted_codes, lo):bisect_right(sorted_codes, hi)]:
                if _same_shape(code, lo):
                    hits.setdefault(code, (order, topic))
    return hits
