"""The interests Muninn recognises: categories, their topics, and the words and phrases that
mention each (matched whole-word, case- and accent-insensitive, a plural's final 's' ignored).

A phrase names its topic specifically enough to stand alone in a subject line: ambiguous
words ('go', 'apple', 'python' the snake or the language) are left out or paired.
"""

from __future__ import annotations

# A category, then its topics, each indented: 'topic: phrase, phrase, …', a long list going on
# on further lines indented deeper.
_TABLE = """
technology
    programming: programming, coding, software engineering, python programming, javascript,
        typescript, golang, rust lang, rustlang, c++, c#, kotlin, haskell, pull request,
        code review, hackathon, open source, github
    artificial intelligence: artificial intelligence, machine learning, deep learning,
        neural network, llm, large language model, chatgpt, generative ai, computer vision
    cloud and infrastructure: kubernetes, docker, devops, aws, azure, google cloud, terraform,
        serverless, site reliability
    security: cybersecurity, infosec, penetration testing, pentest, ransomware, phishing,
        zero trust, threat model
    gadgets: gadget, smartphone, iphone, android phone, smartwatch, vr headset, home automation,
        smart home, raspberry pi, 3d printing, 3d printer
    crypto: cryptocurrency, bitcoin, ethereum, blockchain, web3, nft
sports
    football: football, soccer, premier league, champions league, la liga, world cup,
        five a side
    basketball: basketball, nba, march madness
    tennis: tennis, wimbledon, roland garros, us open tennis, padel
    running: marathon, half marathon, running club, 10k run, 5k run, parkrun, trail running,
        ultramarathon
    cycling: cycling, road bike, bike ride, tour de france, peloton, gravel ride
    golf: golf, tee time, golf course, putting green
    motorsport: formula 1, formula one, f1 race, grand prix, motogp, nascar
    american sports: nfl, super bowl, baseball, mlb, ice hockey, nhl
    cricket and rugby: cricket, rugby, six nations, ashes test
    swimming: swimming, swim meet, open water swim, triathlon
    martial arts: martial arts, karate, judo, jiu jitsu, bjj, boxing, kickboxing
outdoors
    hiking: hiking, day hike, hiking trip, trek, trekking, trailhead, backpacking, hillwalking
    climbing: climbing, bouldering, rock climbing, climbing gym, via ferrata
    camping: camping, campsite, campfire, tent pitch, glamping
    skiing: skiing, ski trip, snowboarding, ski resort, apres ski, ski season
    water sports: surfing, surf trip, sailing, kayaking, paddleboarding, scuba, diving trip,
        snorkeling
    fishing: fishing, fly fishing, fishing trip, angling
    gardening: gardening, allotment, vegetable garden, seedling, compost heap
music
    concerts: concert, gig, live music, music festival, festival lineup, glastonbury, coachella
    classical music: classical music, symphony, orchestra, opera, philharmonic, string quartet
    jazz: jazz, jazz club, big band
    rock and pop: rock band, indie rock, pop music, album release, new album
    electronic music: techno, house music, dj set, electronic music, warehouse party
    playing music: guitar, piano, drum kit, violin, cello, band practice, choir, music lesson
arts
    museums and galleries: museum, art gallery, exhibition, art fair, biennale, vernissage
    painting and drawing: painting class, watercolor, watercolour, oil painting, sketching,
        life drawing
    photography: photography, photo walk, camera lens, darkroom, street photography
    theatre: theatre, theater, musical theatre, broadway, west end show, improv
    dance: dance class, ballet, salsa dancing, tango, contemporary dance
    crafts: pottery, ceramics, knitting, crochet, woodworking, sewing
food and drink
    cooking: cooking, recipe, cookbook, cooking class, meal prep, sourdough, baking
    restaurants: restaurant, michelin, tasting menu, brunch, food tour, supper club
    wine: wine, wine tasting, vineyard, sommelier, natural wine
    beer: craft beer, brewery, ipa, beer festival, homebrew
    coffee: specialty coffee, espresso, latte art, coffee roaster, barista
    vegetarian and vegan: vegan, vegetarian, plant based
    barbecue: barbecue, bbq, grill night, pulled pork
travel
    trips: vacation, holiday trip, road trip, itinerary, travel plans, weekend getaway,
        city break
    flights and points: frequent flyer, air miles, lounge access, layover, long haul flight
    backpacking abroad: backpacking trip, gap year, hostel, interrailing, digital nomad
    beach: beach holiday, beach trip, island hopping, resort
    cruises: cruise, cruise ship
books
    reading: book club, reading list, novelist, new novel, bestseller, audiobook, kindle,
        goodreads
    fiction genres: science fiction, sci fi, fantasy novel, mystery novel, thriller novel,
        poetry
    non fiction: biography, memoir, history book, non fiction
    writing: creative writing, writing workshop, manuscript, short story, publishing deal
film and tv
    cinema: cinema, movie night, film festival, premiere, oscars, box office, new film
    series: tv series, tv show, box set, binge watching, season finale, netflix, hbo
    documentaries: documentary, docuseries
    anime: anime, manga, studio ghibli
games
    video games: video game, gaming, playstation, xbox, nintendo, steam deck, esports,
        twitch stream
    board games: board game, board games night, game night, dungeons and dragons, d&d,
        tabletop rpg, catan
    chess: chess, chess club, chess tournament, lichess
    puzzles: crossword, sudoku, jigsaw puzzle, wordle, escape room
family
    children: kids, toddler, daycare, nursery school, school run, playdate, parent teacher,
        baby shower
    parenting: parenting, new parent, parental leave, maternity leave, paternity leave
    weddings: wedding, engagement party, bachelor party, hen do, stag do, honeymoon
    family gatherings: family reunion, family dinner, grandparents, thanksgiving dinner,
        christmas dinner
health and fitness
    gym: gym, workout, weightlifting, personal trainer, crossfit, strength training, hiit
    yoga and pilates: yoga, pilates, yoga retreat, meditation, mindfulness
    nutrition: nutrition, healthy eating, intermittent fasting, keto, protein shake
    wellbeing: mental health, wellbeing, burnout, therapy session, sleep tracking
business
    startups: startup, founder, seed round, series a, venture capital, pitch deck, accelerator,
        y combinator
    investing: investing, stock market, investment portfolio, index fund, dividend,
        angel investor, real estate investing
    marketing: marketing, branding, seo, growth hacking, go to market, product launch
    leadership: leadership, management training, executive coaching, leadership retreat
    sales: sales pipeline, sales kickoff, quarterly target, crm
    conferences: tech conference, conference talk, summit, trade show, keynote, meetup,
        web summit
science
    space: astronomy, space exploration, nasa, spacex, rocket launch, telescope, stargazing
    physics and maths: physics, quantum, mathematics, maths, math olympiad
    biology and medicine: biology, genetics, neuroscience, biotech, clinical trial
    climate and environment: climate change, sustainability, renewable energy, solar panel,
        electric vehicle, net zero, recycling
    research: research paper, phd, thesis defense, peer review, academic conference
pets
    dogs: dog, puppy, dog walk, dog walking, dog park, labrador, golden retriever
    cats: cat, kitten, cat sitter
    horses: horse riding, equestrian, horseback riding, dressage
    other pets: aquarium, pet rabbit, guinea pig, parrot, vet appointment
fashion
    clothing: fashion, fashion week, streetwear, sneakers, vintage clothing, fashion designer
    style: personal stylist, wardrobe, capsule wardrobe, tailoring, bespoke suit
    beauty: skincare, makeup, beauty routine, perfume
home
    interior design: interior design, home decor, renovation, remodel, ikea
    diy: diy, home improvement, power tools, flat pack
    property: house hunting, mortgage, moving house, new flat, new apartment
causes
    volunteering: volunteering, volunteer, charity run, fundraiser, food bank, nonprofit
    politics: election, politics, campaign rally, town hall, referendum
    faith: church, mosque, synagogue, temple visit, bible study, ramadan
languages
    language learning: language exchange, duolingo, learning spanish, learning french,
        learning german, learning japanese, learning mandarin, language class
"""


def _parse(table: str) -> dict[str, dict[str, tuple[str, ...]]]:
    taxonomy: dict[str, dict[str, tuple[str, ...]]] = {}
    topics: dict[str, tuple[str, ...]] = {}
    topic = ""
    for line in table.splitlines():
        if not line.strip():
            continue
        if line.startswith(" " * 8):  # a topic's phrases, going on
            phrases = line
        elif line.startswith(" " * 4):  # a topic and its first phrases
            topic, _, phrases = line.partition(":")
            topic = topic.strip()
        else:  # a category
            topics = taxonomy.setdefault(line.strip(), {})
            continue
        found = tuple(p.strip() for p in phrases.split(",") if p.strip())
        topics[topic] = topics.get(topic, ()) + found
    return taxonomy


TAXONOMY: dict[str, dict[str, tuple[str, ...]]] = _parse(_TABLE)
