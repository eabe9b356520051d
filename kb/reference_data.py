"""Reference data for the Knowledge Bank for South-South and triangular cooperation.

Pure data (no database access, no side effects): sectors, cooperation
modalities, Sustainable Development Goals, regional groupings, organisation
kinds and the small controlled vocabularies used by requests, offers and
cooperation activities.

Every human-readable label is given in four languages:

* ``en`` - English (United Nations usage)
* ``es`` - Spanish
* ``pt`` - Portuguese (Brazilian spelling)
* ``fr`` - French

Sector keywords are generic vocabulary of each field (not names of
institutions or programmes); they can be used to seed search and matching.

Regional group memberships list ISO 3166-1 alpha-2 codes of full members,
as known at the end of 2025.

Use :func:`label` to look up a translated label with fallback to English.
"""

from __future__ import annotations

from typing import Any

# ---------------------------------------------------------------------------
# Sectors
# ---------------------------------------------------------------------------

SECTORS: list[dict[str, Any]] = [
    {
        "code": "agriculture",
        "labels": {
            "en": "Agriculture",
            "es": "Agricultura",
            "pt": "Agricultura",
            "fr": "Agriculture",
        },
        "keywords": {
            "en": ["crops", "family farming", "soil fertility", "irrigation", "seeds",
                   "agronomy", "smallholder farmers", "harvest", "agricultural extension",
                   "climate-smart agriculture"],
            "es": ["cultivos", "agricultura familiar", "fertilidad del suelo", "riego",
                   "semillas", "agronomía", "pequeños productores", "cosecha",
                   "extensión agrícola", "agricultura climáticamente inteligente"],
            "pt": ["culturas agrícolas", "agricultura familiar", "fertilidade do solo",
                   "irrigação", "sementes", "agronomia", "pequenos produtores", "colheita",
                   "extensão rural", "agricultura climaticamente inteligente"],
            "fr": ["cultures", "agriculture familiale", "fertilité des sols", "irrigation",
                   "semences", "agronomie", "petits exploitants", "récolte",
                   "vulgarisation agricole", "agriculture intelligente face au climat"],
        },
    },
    {
        "code": "agro-industry",
        "labels": {
            "en": "Agro-industry",
            "es": "Agroindustria",
            "pt": "Agroindústria",
            "fr": "Agro-industrie",
        },
        "keywords": {
            "en": ["food processing", "value chains", "post-harvest", "packaging",
                   "agro-processing", "food safety", "cold chain", "value addition"],
            "es": ["procesamiento de alimentos", "cadenas de valor", "poscosecha", "envasado",
                   "agroprocesamiento", "inocuidad de los alimentos", "cadena de frío",
                   "valor agregado"],
            "pt": ["processamento de alimentos", "cadeias de valor", "pós-colheita",
                   "embalagem", "agroprocessamento", "segurança dos alimentos",
                   "cadeia do frio", "agregação de valor"],
            "fr": ["transformation alimentaire", "chaînes de valeur", "post-récolte",
                   "emballage", "transformation agroalimentaire",
                   "sécurité sanitaire des aliments", "chaîne du froid", "valeur ajoutée"],
        },
    },
    {
        "code": "livestock",
        "labels": {
            "en": "Livestock",
            "es": "Ganadería",
            "pt": "Pecuária",
            "fr": "Élevage",
        },
        "keywords": {
            "en": ["cattle", "poultry", "dairy", "animal health", "veterinary services",
                   "animal feed", "animal breeding", "pastoralism", "small ruminants"],
            "es": ["ganado bovino", "avicultura", "lechería", "sanidad animal",
                   "servicios veterinarios", "alimentación animal", "mejoramiento genético",
                   "pastoreo", "pequeños rumiantes"],
            "pt": ["bovinos", "avicultura", "pecuária leiteira", "sanidade animal",
                   "serviços veterinários", "alimentação animal", "melhoramento genético",
                   "pastoreio", "pequenos ruminantes"],
            "fr": ["bovins", "aviculture", "production laitière", "santé animale",
                   "services vétérinaires", "alimentation animale", "amélioration génétique",
                   "pastoralisme", "petits ruminants"],
        },
    },
    {
        "code": "fisheries-aquaculture",
        "labels": {
            "en": "Fisheries and aquaculture",
            "es": "Pesca y acuicultura",
            "pt": "Pesca e aquicultura",
            "fr": "Pêche et aquaculture",
        },
        "keywords": {
            "en": ["fishing", "fish farming", "aquaculture", "fish stocks",
                   "artisanal fisheries", "mariculture", "fish processing",
                   "fisheries management", "hatcheries"],
            "es": ["pesca", "piscicultura", "acuicultura", "poblaciones de peces",
                   "pesca artesanal", "maricultura", "procesamiento de pescado",
                   "ordenación pesquera", "criaderos"],
            "pt": ["pesca", "piscicultura", "aquicultura", "estoques pesqueiros",
                   "pesca artesanal", "maricultura", "processamento de pescado",
                   "gestão pesqueira", "larvicultura"],
            "fr": ["pêche", "pisciculture", "aquaculture", "stocks halieutiques",
                   "pêche artisanale", "mariculture", "transformation du poisson",
                   "gestion des pêches", "écloseries"],
        },
    },
    {
        "code": "food-security",
        "labels": {
            "en": "Food security and nutrition",
            "es": "Seguridad alimentaria y nutrición",
            "pt": "Segurança alimentar e nutricional",
            "fr": "Sécurité alimentaire et nutrition",
        },
        "keywords": {
            "en": ["food security", "nutrition", "hunger", "malnutrition", "school feeding",
                   "food reserves", "access to food", "stunting", "food assistance"],
            "es": ["seguridad alimentaria", "nutrición", "hambre", "malnutrición",
                   "alimentación escolar", "reservas de alimentos", "acceso a los alimentos",
                   "retraso del crecimiento", "asistencia alimentaria"],
            "pt": ["segurança alimentar", "nutrição", "fome", "desnutrição",
                   "alimentação escolar", "estoques de alimentos", "acesso aos alimentos",
                   "déficit de crescimento", "assistência alimentar"],
            "fr": ["sécurité alimentaire", "nutrition", "faim", "malnutrition",
                   "alimentation scolaire", "réserves alimentaires", "accès à l'alimentation",
                   "retard de croissance", "assistance alimentaire"],
        },
    },
    {
        "code": "renewable-energy",
        "labels": {
            "en": "Renewable energy",
            "es": "Energías renovables",
            "pt": "Energias renováveis",
            "fr": "Énergies renouvelables",
        },
        "keywords": {
            "en": ["solar power", "wind power", "hydropower", "biomass", "biogas",
                   "geothermal energy", "photovoltaics", "mini-grids", "clean energy"],
            "es": ["energía solar", "energía eólica", "energía hidroeléctrica", "biomasa",
                   "biogás", "energía geotérmica", "fotovoltaica", "minirredes",
                   "energía limpia"],
            "pt": ["energia solar", "energia eólica", "energia hidrelétrica", "biomassa",
                   "biogás", "energia geotérmica", "fotovoltaica", "minirredes",
                   "energia limpa"],
            "fr": ["énergie solaire", "énergie éolienne", "hydroélectricité", "biomasse",
                   "biogaz", "géothermie", "photovoltaïque", "mini-réseaux",
                   "énergie propre"],
        },
    },
    {
        "code": "energy-access",
        "labels": {
            "en": "Energy access",
            "es": "Acceso a la energía",
            "pt": "Acesso à energia",
            "fr": "Accès à l'énergie",
        },
        "keywords": {
            "en": ["electrification", "rural electrification", "off-grid systems",
                   "clean cooking", "access to electricity", "energy poverty",
                   "productive uses of energy", "grid extension", "improved cookstoves"],
            "es": ["electrificación", "electrificación rural", "sistemas aislados",
                   "cocción limpia", "acceso a la electricidad", "pobreza energética",
                   "usos productivos de la energía", "extensión de la red",
                   "cocinas mejoradas"],
            "pt": ["eletrificação", "eletrificação rural", "sistemas isolados",
                   "cocção limpa", "acesso à eletricidade", "pobreza energética",
                   "usos produtivos da energia", "expansão da rede", "fogões melhorados"],
            "fr": ["électrification", "électrification rurale", "systèmes hors réseau",
                   "cuisson propre", "accès à l'électricité", "précarité énergétique",
                   "usages productifs de l'énergie", "extension du réseau",
                   "foyers améliorés"],
        },
    },
    {
        "code": "energy-efficiency",
        "labels": {
            "en": "Energy efficiency",
            "es": "Eficiencia energética",
            "pt": "Eficiência energética",
            "fr": "Efficacité énergétique",
        },
        "keywords": {
            "en": ["energy audit", "energy management systems", "efficient lighting",
                   "electric motors", "energy savings", "energy performance",
                   "appliance labelling", "energy-efficient buildings"],
            "es": ["auditoría energética", "sistemas de gestión de la energía",
                   "iluminación eficiente", "motores eléctricos", "ahorro de energía",
                   "desempeño energético", "etiquetado de electrodomésticos",
                   "edificios eficientes"],
            "pt": ["auditoria energética", "sistemas de gestão de energia",
                   "iluminação eficiente", "motores elétricos", "economia de energia",
                   "desempenho energético", "etiquetagem de eletrodomésticos",
                   "edificações eficientes"],
            "fr": ["audit énergétique", "systèmes de management de l'énergie",
                   "éclairage efficace", "moteurs électriques", "économies d'énergie",
                   "performance énergétique", "étiquetage des appareils",
                   "bâtiments économes en énergie"],
        },
    },
    {
        "code": "cleaner-production",
        "labels": {
            "en": "Cleaner production",
            "es": "Producción más limpia",
            "pt": "Produção mais limpa",
            "fr": "Production plus propre",
        },
        "keywords": {
            "en": ["resource efficiency", "circular economy", "pollution prevention",
                   "chemicals management", "industrial emissions", "eco-design",
                   "material efficiency", "eco-industrial parks", "sustainable production"],
            "es": ["eficiencia en el uso de los recursos", "economía circular",
                   "prevención de la contaminación", "gestión de productos químicos",
                   "emisiones industriales", "ecodiseño", "eficiencia de materiales",
                   "parques ecoindustriales", "producción sostenible"],
            "pt": ["eficiência no uso de recursos", "economia circular",
                   "prevenção da poluição", "gestão de produtos químicos",
                   "emissões industriais", "ecodesign", "eficiência de materiais",
                   "parques ecoindustriais", "produção sustentável"],
            "fr": ["utilisation efficace des ressources", "économie circulaire",
                   "prévention de la pollution", "gestion des produits chimiques",
                   "émissions industrielles", "écoconception", "efficacité matière",
                   "parcs éco-industriels", "production durable"],
        },
    },
    {
        "code": "waste-management",
        "labels": {
            "en": "Waste management",
            "es": "Gestión de residuos",
            "pt": "Gestão de resíduos",
            "fr": "Gestion des déchets",
        },
        "keywords": {
            "en": ["solid waste", "recycling", "landfill", "composting", "hazardous waste",
                   "e-waste", "plastics", "waste collection", "waste-to-energy"],
            "es": ["residuos sólidos", "reciclaje", "relleno sanitario", "compostaje",
                   "residuos peligrosos", "residuos electrónicos", "plásticos",
                   "recolección de residuos", "valorización energética de residuos"],
            "pt": ["resíduos sólidos", "reciclagem", "aterro sanitário", "compostagem",
                   "resíduos perigosos", "resíduos eletroeletrônicos", "plásticos",
                   "coleta de resíduos", "aproveitamento energético de resíduos"],
            "fr": ["déchets solides", "recyclage", "centre d'enfouissement", "compostage",
                   "déchets dangereux", "déchets électroniques", "plastiques",
                   "collecte des déchets", "valorisation énergétique des déchets"],
        },
    },
    {
        "code": "water",
        "labels": {
            "en": "Water and sanitation",
            "es": "Agua y saneamiento",
            "pt": "Água e saneamento",
            "fr": "Eau et assainissement",
        },
        "keywords": {
            "en": ["drinking water", "sanitation", "irrigation", "watershed", "wastewater",
                   "water treatment", "groundwater", "hygiene",
                   "water resources management"],
            "es": ["agua potable", "saneamiento", "riego", "cuenca hidrográfica",
                   "aguas residuales", "tratamiento de agua", "aguas subterráneas",
                   "higiene", "gestión de recursos hídricos"],
            "pt": ["água potável", "saneamento", "irrigação", "bacia hidrográfica",
                   "águas residuais", "tratamento de água", "águas subterrâneas",
                   "higiene", "gestão de recursos hídricos"],
            "fr": ["eau potable", "assainissement", "irrigation", "bassin versant",
                   "eaux usées", "traitement de l'eau", "eaux souterraines", "hygiène",
                   "gestion des ressources en eau"],
        },
    },
    {
        "code": "quality-infrastructure",
        "labels": {
            "en": "Quality infrastructure",
            "es": "Infraestructura de la calidad",
            "pt": "Infraestrutura da qualidade",
            "fr": "Infrastructure qualité",
        },
        "keywords": {
            "en": ["standards", "metrology", "accreditation", "conformity assessment",
                   "certification", "testing laboratories", "calibration",
                   "technical regulations", "inspection"],
            "es": ["normalización", "metrología", "acreditación",
                   "evaluación de la conformidad", "certificación", "laboratorios de ensayo",
                   "calibración", "reglamentos técnicos", "inspección"],
            "pt": ["normalização", "metrologia", "acreditação",
                   "avaliação da conformidade", "certificação", "laboratórios de ensaio",
                   "calibração", "regulamentos técnicos", "inspeção"],
            "fr": ["normalisation", "métrologie", "accréditation",
                   "évaluation de la conformité", "certification", "laboratoires d'essais",
                   "étalonnage", "règlements techniques", "inspection"],
        },
    },
    {
        "code": "sme-development",
        "labels": {
            "en": "SME development",
            "es": "Desarrollo de pymes",
            "pt": "Desenvolvimento de pequenas e médias empresas",
            "fr": "Développement des PME",
        },
        "keywords": {
            "en": ["small and medium enterprises", "entrepreneurship",
                   "business development services", "access to finance", "clusters",
                   "business incubators", "supplier development", "market access",
                   "microenterprises"],
            "es": ["pequeñas y medianas empresas", "emprendimiento",
                   "servicios de desarrollo empresarial", "acceso al financiamiento",
                   "clústeres", "incubadoras de empresas", "desarrollo de proveedores",
                   "acceso a mercados", "microempresas"],
            "pt": ["pequenas e médias empresas", "empreendedorismo",
                   "serviços de desenvolvimento empresarial", "acesso a financiamento",
                   "arranjos produtivos locais", "incubadoras de empresas",
                   "desenvolvimento de fornecedores", "acesso a mercados", "microempresas"],
            "fr": ["petites et moyennes entreprises", "entrepreneuriat",
                   "services d'appui aux entreprises", "accès au financement",
                   "grappes d'entreprises", "incubateurs d'entreprises",
                   "développement des fournisseurs", "accès aux marchés",
                   "microentreprises"],
        },
    },
    {
        "code": "industrial-policy",
        "labels": {
            "en": "Industrial policy",
            "es": "Política industrial",
            "pt": "Política industrial",
            "fr": "Politique industrielle",
        },
        "keywords": {
            "en": ["industrialization", "industrial strategy", "industrial statistics",
                   "investment promotion", "special economic zones", "industrial parks",
                   "competitiveness", "manufacturing", "structural transformation"],
            "es": ["industrialización", "estrategia industrial", "estadísticas industriales",
                   "promoción de inversiones", "zonas económicas especiales",
                   "parques industriales", "competitividad", "manufactura",
                   "transformación estructural"],
            "pt": ["industrialização", "estratégia industrial", "estatísticas industriais",
                   "promoção de investimentos", "zonas econômicas especiais",
                   "parques industriais", "competitividade", "indústria de transformação",
                   "transformação estrutural"],
            "fr": ["industrialisation", "stratégie industrielle", "statistiques industrielles",
                   "promotion des investissements", "zones économiques spéciales",
                   "parcs industriels", "compétitivité", "industrie manufacturière",
                   "transformation structurelle"],
        },
    },
    {
        "code": "vocational-training",
        "labels": {
            "en": "Technical and vocational training",
            "es": "Formación técnica y profesional",
            "pt": "Educação profissional e tecnológica",
            "fr": "Formation technique et professionnelle",
        },
        "keywords": {
            "en": ["technical education", "apprenticeships", "skills development",
                   "vocational qualifications", "dual training", "competency-based training",
                   "skills certification", "training of trainers", "employability"],
            "es": ["educación técnica", "formación de aprendices", "desarrollo de competencias",
                   "capacitación laboral", "formación dual", "formación basada en competencias",
                   "certificación de competencias", "formación de formadores",
                   "empleabilidad"],
            "pt": ["ensino técnico", "aprendizagem profissional",
                   "desenvolvimento de competências", "qualificação profissional",
                   "formação dual", "formação baseada em competências",
                   "certificação profissional", "formação de instrutores",
                   "empregabilidade"],
            "fr": ["enseignement technique", "apprentissage", "développement des compétences",
                   "formation qualifiante", "formation duale", "approche par compétences",
                   "certification des compétences", "formation de formateurs",
                   "employabilité"],
        },
    },
    {
        "code": "education",
        "labels": {
            "en": "Education",
            "es": "Educación",
            "pt": "Educação",
            "fr": "Éducation",
        },
        "keywords": {
            "en": ["primary education", "secondary education", "higher education",
                   "teacher training", "curriculum", "literacy", "early childhood education",
                   "school management", "distance learning"],
            "es": ["educación primaria", "educación secundaria", "educación superior",
                   "formación docente", "currículo", "alfabetización",
                   "educación de la primera infancia", "gestión escolar",
                   "educación a distancia"],
            "pt": ["ensino fundamental", "ensino médio", "ensino superior",
                   "formação de professores", "currículo", "alfabetização",
                   "educação infantil", "gestão escolar", "educação a distância"],
            "fr": ["enseignement primaire", "enseignement secondaire",
                   "enseignement supérieur", "formation des enseignants",
                   "programmes scolaires", "alphabétisation",
                   "éducation de la petite enfance", "gestion scolaire",
                   "enseignement à distance"],
        },
    },
    {
        "code": "health",
        "labels": {
            "en": "Health",
            "es": "Salud",
            "pt": "Saúde",
            "fr": "Santé",
        },
        "keywords": {
            "en": ["primary health care", "public health", "disease prevention",
                   "maternal health", "epidemiology", "health systems", "immunization",
                   "hospitals", "universal health coverage"],
            "es": ["atención primaria de salud", "salud pública", "prevención de enfermedades",
                   "salud materna", "epidemiología", "sistemas de salud", "inmunización",
                   "hospitales", "cobertura sanitaria universal"],
            "pt": ["atenção primária à saúde", "saúde pública", "prevenção de doenças",
                   "saúde materna", "epidemiologia", "sistemas de saúde", "imunização",
                   "hospitais", "cobertura universal de saúde"],
            "fr": ["soins de santé primaires", "santé publique", "prévention des maladies",
                   "santé maternelle", "épidémiologie", "systèmes de santé", "vaccination",
                   "hôpitaux", "couverture sanitaire universelle"],
        },
    },
    {
        "code": "pharmaceuticals",
        "labels": {
            "en": "Pharmaceuticals",
            "es": "Industria farmacéutica",
            "pt": "Indústria farmacêutica",
            "fr": "Industrie pharmaceutique",
        },
        "keywords": {
            "en": ["medicines", "local production", "good manufacturing practices",
                   "medicines regulation", "vaccines", "active pharmaceutical ingredients",
                   "generic medicines", "medical devices", "pharmacovigilance"],
            "es": ["medicamentos", "producción local", "buenas prácticas de fabricación",
                   "regulación de medicamentos", "vacunas", "principios activos",
                   "medicamentos genéricos", "dispositivos médicos", "farmacovigilancia"],
            "pt": ["medicamentos", "produção local", "boas práticas de fabricação",
                   "regulação de medicamentos", "vacinas", "insumos farmacêuticos ativos",
                   "medicamentos genéricos", "dispositivos médicos", "farmacovigilância"],
            "fr": ["médicaments", "production locale", "bonnes pratiques de fabrication",
                   "réglementation pharmaceutique", "vaccins", "principes actifs",
                   "médicaments génériques", "dispositifs médicaux", "pharmacovigilance"],
        },
    },
    {
        "code": "social-protection",
        "labels": {
            "en": "Social protection",
            "es": "Protección social",
            "pt": "Proteção social",
            "fr": "Protection sociale",
        },
        "keywords": {
            "en": ["cash transfers", "social safety nets", "social insurance", "pensions",
                   "social registries", "poverty reduction", "conditional cash transfers",
                   "social assistance", "vulnerable groups"],
            "es": ["transferencias monetarias", "redes de protección social", "seguro social",
                   "pensiones", "registros sociales", "reducción de la pobreza",
                   "transferencias condicionadas", "asistencia social", "grupos vulnerables"],
            "pt": ["transferência de renda", "redes de proteção social", "previdência social",
                   "aposentadorias", "cadastros sociais", "redução da pobreza",
                   "transferências condicionadas", "assistência social",
                   "grupos vulneráveis"],
            "fr": ["transferts monétaires", "filets sociaux", "assurance sociale", "retraites",
                   "registres sociaux", "réduction de la pauvreté",
                   "transferts monétaires conditionnels", "assistance sociale",
                   "groupes vulnérables"],
        },
    },
    {
        "code": "gender",
        "labels": {
            "en": "Gender equality and women's empowerment",
            "es": "Igualdad de género y empoderamiento de las mujeres",
            "pt": "Igualdade de gênero e empoderamento das mulheres",
            "fr": "Égalité des genres et autonomisation des femmes",
        },
        "keywords": {
            "en": ["gender equality", "women's empowerment", "women entrepreneurs",
                   "gender mainstreaming", "gender-based violence",
                   "women's economic empowerment", "gender analysis",
                   "gender-responsive budgeting"],
            "es": ["igualdad de género", "empoderamiento de las mujeres",
                   "mujeres emprendedoras", "transversalización de la perspectiva de género",
                   "violencia de género", "autonomía económica de las mujeres",
                   "análisis de género", "presupuestos con perspectiva de género"],
            "pt": ["igualdade de gênero", "empoderamento das mulheres",
                   "mulheres empreendedoras", "transversalidade de gênero",
                   "violência de gênero", "autonomia econômica das mulheres",
                   "análise de gênero", "orçamento sensível a gênero"],
            "fr": ["égalité des genres", "autonomisation des femmes",
                   "femmes entrepreneures", "intégration du genre",
                   "violences basées sur le genre", "autonomisation économique des femmes",
                   "analyse de genre", "budgétisation sensible au genre"],
        },
    },
    {
        "code": "disaster-risk-management",
        "labels": {
            "en": "Disaster risk management",
            "es": "Gestión del riesgo de desastres",
            "pt": "Gestão de riscos de desastres",
            "fr": "Gestion des risques de catastrophe",
        },
        "keywords": {
            "en": ["disaster risk reduction", "early warning", "emergency preparedness",
                   "resilience", "hazard mapping", "humanitarian response", "recovery",
                   "civil protection", "climate change adaptation"],
            "es": ["reducción del riesgo de desastres", "alerta temprana",
                   "preparación ante emergencias", "resiliencia", "mapas de amenazas",
                   "respuesta humanitaria", "recuperación", "protección civil",
                   "adaptación al cambio climático"],
            "pt": ["redução do risco de desastres", "alerta precoce",
                   "preparação para emergências", "resiliência", "mapeamento de ameaças",
                   "resposta humanitária", "recuperação", "defesa civil",
                   "adaptação à mudança do clima"],
            "fr": ["réduction des risques de catastrophe", "alerte précoce",
                   "préparation aux situations d'urgence", "résilience",
                   "cartographie des aléas", "réponse humanitaire", "relèvement",
                   "protection civile", "adaptation au changement climatique"],
        },
    },
    {
        "code": "environment-forestry",
        "labels": {
            "en": "Environment and forestry",
            "es": "Medio ambiente y recursos forestales",
            "pt": "Meio ambiente e florestas",
            "fr": "Environnement et forêts",
        },
        "keywords": {
            "en": ["biodiversity", "forests", "reforestation", "deforestation",
                   "protected areas", "ecosystems", "land degradation",
                   "climate change mitigation", "sustainable forest management",
                   "conservation"],
            "es": ["biodiversidad", "bosques", "reforestación", "deforestación",
                   "áreas protegidas", "ecosistemas", "degradación de las tierras",
                   "mitigación del cambio climático", "manejo forestal sostenible",
                   "conservación"],
            "pt": ["biodiversidade", "florestas", "reflorestamento", "desmatamento",
                   "áreas protegidas", "ecossistemas", "degradação da terra",
                   "mitigação da mudança do clima", "manejo florestal sustentável",
                   "conservação"],
            "fr": ["biodiversité", "forêts", "reboisement", "déforestation",
                   "aires protégées", "écosystèmes", "dégradation des terres",
                   "atténuation du changement climatique", "gestion durable des forêts",
                   "conservation"],
        },
    },
    {
        "code": "public-administration",
        "labels": {
            "en": "Public administration and governance",
            "es": "Administración pública y gobernanza",
            "pt": "Administração pública e governança",
            "fr": "Administration publique et gouvernance",
        },
        "keywords": {
            "en": ["public sector reform", "civil service", "public financial management",
                   "e-government", "decentralization", "transparency", "local government",
                   "institutional strengthening", "public procurement"],
            "es": ["reforma del sector público", "servicio civil",
                   "gestión de las finanzas públicas", "gobierno electrónico",
                   "descentralización", "transparencia", "gobiernos locales",
                   "fortalecimiento institucional", "compras públicas"],
            "pt": ["reforma do setor público", "serviço público",
                   "gestão das finanças públicas", "governo eletrônico",
                   "descentralização", "transparência", "governos locais",
                   "fortalecimento institucional", "compras públicas"],
            "fr": ["réforme du secteur public", "fonction publique",
                   "gestion des finances publiques", "administration électronique",
                   "décentralisation", "transparence", "collectivités locales",
                   "renforcement institutionnel", "marchés publics"],
        },
    },
    {
        "code": "ict-digital",
        "labels": {
            "en": "ICT and digital transformation",
            "es": "TIC y transformación digital",
            "pt": "TIC e transformação digital",
            "fr": "TIC et transformation numérique",
        },
        "keywords": {
            "en": ["digitalization", "broadband", "software", "data", "cybersecurity",
                   "digital skills", "e-commerce", "Industry 4.0",
                   "digital public infrastructure", "connectivity"],
            "es": ["digitalización", "banda ancha", "software", "datos", "ciberseguridad",
                   "habilidades digitales", "comercio electrónico", "industria 4.0",
                   "infraestructura pública digital", "conectividad"],
            "pt": ["digitalização", "banda larga", "software", "dados", "cibersegurança",
                   "habilidades digitais", "comércio eletrônico", "indústria 4.0",
                   "infraestrutura pública digital", "conectividade"],
            "fr": ["numérisation", "haut débit", "logiciels", "données", "cybersécurité",
                   "compétences numériques", "commerce électronique", "industrie 4.0",
                   "infrastructure publique numérique", "connectivité"],
        },
    },
    {
        "code": "peacebuilding",
        "labels": {
            "en": "Peacebuilding",
            "es": "Consolidación de la paz",
            "pt": "Consolidação da paz",
            "fr": "Consolidation de la paix",
        },
        "keywords": {
            "en": ["conflict prevention", "reconciliation", "post-conflict recovery",
                   "mediation", "social cohesion", "demobilization and reintegration",
                   "rule of law", "transitional justice", "security sector reform"],
            "es": ["prevención de conflictos", "reconciliación", "recuperación posconflicto",
                   "mediación", "cohesión social", "desmovilización y reintegración",
                   "Estado de derecho", "justicia transicional",
                   "reforma del sector de la seguridad"],
            "pt": ["prevenção de conflitos", "reconciliação", "recuperação pós-conflito",
                   "mediação", "coesão social", "desmobilização e reintegração",
                   "Estado de direito", "justiça de transição",
                   "reforma do setor de segurança"],
            "fr": ["prévention des conflits", "réconciliation", "relèvement post-conflit",
                   "médiation", "cohésion sociale", "démobilisation et réintégration",
                   "état de droit", "justice transitionnelle",
                   "réforme du secteur de la sécurité"],
        },
    },
]

# ---------------------------------------------------------------------------
# Cooperation modalities (how expertise is delivered)
# ---------------------------------------------------------------------------

MODALITIES: list[dict[str, Any]] = [
    {
        "code": "expert-mission",
        "labels": {"en": "Expert mission", "es": "Misión de expertos",
                   "pt": "Missão de especialistas", "fr": "Mission d'experts"},
    },
    {
        "code": "training-course",
        "labels": {"en": "Training course", "es": "Curso de capacitación",
                   "pt": "Curso de capacitação", "fr": "Cours de formation"},
    },
    {
        "code": "study-visit",
        "labels": {"en": "Study visit", "es": "Visita de estudio",
                   "pt": "Visita de estudo", "fr": "Visite d'étude"},
    },
    {
        "code": "virtual-advisory",
        "labels": {"en": "Virtual advisory services", "es": "Asesoría virtual",
                   "pt": "Assessoria virtual", "fr": "Services de conseil à distance"},
    },
    {
        "code": "long-term-project",
        "labels": {"en": "Long-term project", "es": "Proyecto de largo plazo",
                   "pt": "Projeto de longo prazo", "fr": "Projet à long terme"},
    },
    {
        "code": "scholarship",
        "labels": {"en": "Scholarship", "es": "Beca",
                   "pt": "Bolsa de estudos", "fr": "Bourse d'études"},
    },
    {
        "code": "on-site-service",
        "labels": {"en": "On-site technical service", "es": "Servicio técnico in situ",
                   "pt": "Serviço técnico no local", "fr": "Service technique sur site"},
    },
]

# ---------------------------------------------------------------------------
# Sustainable Development Goals (official UN short titles)
# ---------------------------------------------------------------------------

SDGS: list[dict[str, Any]] = [
    {"number": 1, "labels": {
        "en": "No poverty",
        "es": "Fin de la pobreza",
        "pt": "Erradicação da pobreza",
        "fr": "Pas de pauvreté"}},
    {"number": 2, "labels": {
        "en": "Zero hunger",
        "es": "Hambre cero",
        "pt": "Fome zero e agricultura sustentável",
        "fr": "Faim « zéro »"}},
    {"number": 3, "labels": {
        "en": "Good health and well-being",
        "es": "Salud y bienestar",
        "pt": "Saúde e bem-estar",
        "fr": "Bonne santé et bien-être"}},
    {"number": 4, "labels": {
        "en": "Quality education",
        "es": "Educación de calidad",
        "pt": "Educação de qualidade",
        "fr": "Éducation de qualité"}},
    {"number": 5, "labels": {
        "en": "Gender equality",
        "es": "Igualdad de género",
        "pt": "Igualdade de gênero",
        "fr": "Égalité entre les sexes"}},
    {"number": 6, "labels": {
        "en": "Clean water and sanitation",
        "es": "Agua limpia y saneamiento",
        "pt": "Água potável e saneamento",
        "fr": "Eau propre et assainissement"}},
    {"number": 7, "labels": {
        "en": "Affordable and clean energy",
        "es": "Energía asequible y no contaminante",
        "pt": "Energia limpa e acessível",
        "fr": "Énergie propre et d'un coût abordable"}},
    {"number": 8, "labels": {
        "en": "Decent work and economic growth",
        "es": "Trabajo decente y crecimiento económico",
        "pt": "Trabalho decente e crescimento econômico",
        "fr": "Travail décent et croissance économique"}},
    {"number": 9, "labels": {
        "en": "Industry, innovation and infrastructure",
        "es": "Industria, innovación e infraestructura",
        "pt": "Indústria, inovação e infraestrutura",
        "fr": "Industrie, innovation et infrastructure"}},
    {"number": 10, "labels": {
        "en": "Reduced inequalities",
        "es": "Reducción de las desigualdades",
        "pt": "Redução das desigualdades",
        "fr": "Inégalités réduites"}},
    {"number": 11, "labels": {
        "en": "Sustainable cities and communities",
        "es": "Ciudades y comunidades sostenibles",
        "pt": "Cidades e comunidades sustentáveis",
        "fr": "Villes et communautés durables"}},
    {"number": 12, "labels": {
        "en": "Responsible consumption and production",
        "es": "Producción y consumo responsables",
        "pt": "Consumo e produção responsáveis",
        "fr": "Consommation et production responsables"}},
    {"number": 13, "labels": {
        "en": "Climate action",
        "es": "Acción por el clima",
        "pt": "Ação contra a mudança global do clima",
        "fr": "Mesures relatives à la lutte contre les changements climatiques"}},
    {"number": 14, "labels": {
        "en": "Life below water",
        "es": "Vida submarina",
        "pt": "Vida na água",
        "fr": "Vie aquatique"}},
    {"number": 15, "labels": {
        "en": "Life on land",
        "es": "Vida de ecosistemas terrestres",
        "pt": "Vida terrestre",
        "fr": "Vie terrestre"}},
    {"number": 16, "labels": {
        "en": "Peace, justice and strong institutions",
        "es": "Paz, justicia e instituciones sólidas",
        "pt": "Paz, justiça e instituições eficazes",
        "fr": "Paix, justice et institutions efficaces"}},
    {"number": 17, "labels": {
        "en": "Partnerships for the goals",
        "es": "Alianzas para lograr los objetivos",
        "pt": "Parcerias e meios de implementação",
        "fr": "Partenariats pour la réalisation des objectifs"}},
]

# ---------------------------------------------------------------------------
# Regional groups (ISO 3166-1 alpha-2 codes of full members)
# ---------------------------------------------------------------------------

REGIONAL_GROUPS: list[dict[str, Any]] = [
    {
        "code": "CARICOM",
        "labels": {"en": "Caribbean Community",
                   "es": "Comunidad del Caribe",
                   "pt": "Comunidade do Caribe",
                   "fr": "Communauté caribéenne"},
        # 15 full members, including Montserrat (British Overseas Territory).
        "members": ["AG", "BS", "BB", "BZ", "DM", "GD", "GY", "HT", "JM", "MS",
                    "KN", "LC", "VC", "SR", "TT"],
    },
    {
        "code": "SICA",
        "labels": {"en": "Central American Integration System",
                   "es": "Sistema de la Integración Centroamericana",
                   "pt": "Sistema da Integração Centro-Americana",
                   "fr": "Système d'intégration centraméricain"},
        "members": ["BZ", "CR", "SV", "GT", "HN", "NI", "PA", "DO"],
    },
    {
        "code": "CAN",
        "labels": {"en": "Andean Community",
                   "es": "Comunidad Andina",
                   "pt": "Comunidade Andina",
                   "fr": "Communauté andine"},
        "members": ["BO", "CO", "EC", "PE"],
    },
    {
        "code": "MERCOSUR",
        "labels": {"en": "Southern Common Market (MERCOSUR)",
                   "es": "Mercado Común del Sur (MERCOSUR)",
                   "pt": "Mercado Comum do Sul (MERCOSUL)",
                   "fr": "Marché commun du Sud (MERCOSUR)"},
        # Bolivia became a full member in July 2024. Venezuela is a State Party
        # but has been suspended since 2016, so it is not listed.
        "members": ["AR", "BR", "PY", "UY", "BO"],
    },
    {
        "code": "PACIFIC-ALLIANCE",
        "labels": {"en": "Pacific Alliance",
                   "es": "Alianza del Pacífico",
                   "pt": "Aliança do Pacífico",
                   "fr": "Alliance du Pacifique"},
        "members": ["CL", "CO", "MX", "PE"],
    },
    {
        "code": "ECOWAS",
        "labels": {"en": "Economic Community of West African States",
                   "es": "Comunidad Económica de los Estados de África Occidental",
                   "pt": "Comunidade Econômica dos Estados da África Ocidental",
                   "fr": "Communauté économique des États de l'Afrique de l'Ouest"},
        # Burkina Faso, Mali and Niger left in January 2025.
        "members": ["BJ", "CV", "CI", "GM", "GH", "GN", "GW", "LR", "NG", "SN",
                    "SL", "TG"],
    },
    {
        "code": "SADC",
        "labels": {"en": "Southern African Development Community",
                   "es": "Comunidad de Desarrollo de África Austral",
                   "pt": "Comunidade de Desenvolvimento da África Austral",
                   "fr": "Communauté de développement de l'Afrique australe"},
        "members": ["AO", "BW", "KM", "CD", "SZ", "LS", "MG", "MW", "MU", "MZ",
                    "NA", "SC", "ZA", "TZ", "ZM", "ZW"],
    },
    {
        "code": "EAC",
        "labels": {"en": "East African Community",
                   "es": "Comunidad de África Oriental",
                   "pt": "Comunidade da África Oriental",
                   "fr": "Communauté d'Afrique de l'Est"},
        "members": ["BI", "CD", "KE", "RW", "SO", "SS", "TZ", "UG"],
    },
    {
        "code": "ASEAN",
        "labels": {"en": "Association of Southeast Asian Nations",
                   "es": "Asociación de Naciones del Sudeste Asiático",
                   "pt": "Associação de Nações do Sudeste Asiático",
                   "fr": "Association des nations de l'Asie du Sud-Est"},
        # Timor-Leste was admitted as the 11th member in October 2025.
        "members": ["BN", "KH", "ID", "LA", "MY", "MM", "PH", "SG", "TH", "VN",
                    "TL"],
    },
    {
        "code": "SAARC",
        "labels": {"en": "South Asian Association for Regional Cooperation",
                   "es": "Asociación del Asia Meridional para la Cooperación Regional",
                   "pt": "Associação Sul-Asiática para a Cooperação Regional",
                   "fr": "Association sud-asiatique pour la coopération régionale"},
        "members": ["AF", "BD", "BT", "IN", "MV", "NP", "PK", "LK"],
    },
    {
        "code": "ECCAS",
        "labels": {"en": "Economic Community of Central African States",
                   "es": "Comunidad Económica de los Estados de África Central",
                   "pt": "Comunidade Econômica dos Estados da África Central",
                   "fr": "Communauté économique des États de l'Afrique centrale"},
        # Rwanda announced its withdrawal in June 2025 and is not listed.
        "members": ["AO", "BI", "CM", "CF", "TD", "CG", "CD", "GQ", "GA", "ST"],
    },
    {
        "code": "IGAD",
        "labels": {"en": "Intergovernmental Authority on Development",
                   "es": "Autoridad Intergubernamental para el Desarrollo",
                   "pt": "Autoridade Intergovernamental para o Desenvolvimento",
                   "fr": "Autorité intergouvernementale pour le développement"},
        # Sudan suspended its engagement with IGAD in January 2024 but remains
        # a member.
        "members": ["DJ", "ER", "ET", "KE", "SO", "SS", "SD", "UG"],
    },
    {
        "code": "PIF",
        "labels": {"en": "Pacific Islands Forum",
                   "es": "Foro de las Islas del Pacífico",
                   "pt": "Fórum das Ilhas do Pacífico",
                   "fr": "Forum des îles du Pacifique"},
        # Sovereign and self-governing members only; French Polynesia and
        # New Caledonia (full members since 2016) are not listed.
        "members": ["AU", "CK", "FJ", "KI", "MH", "FM", "NR", "NZ", "NU", "PW",
                    "PG", "WS", "SB", "TO", "TV", "VU"],
    },
    {
        "code": "CPLP",
        "labels": {"en": "Community of Portuguese Language Countries",
                   "es": "Comunidad de Países de Lengua Portuguesa",
                   "pt": "Comunidade dos Países de Língua Portuguesa",
                   "fr": "Communauté des pays de langue portugaise"},
        "members": ["AO", "BR", "CV", "GW", "GQ", "MZ", "PT", "ST", "TL"],
    },
]

# ---------------------------------------------------------------------------
# Organisation kinds
# ---------------------------------------------------------------------------

ORGANISATION_KINDS: list[dict[str, Any]] = [
    {
        "code": "ministry",
        "labels": {"en": "Ministry", "es": "Ministerio",
                   "pt": "Ministério", "fr": "Ministère"},
    },
    {
        "code": "cooperation-agency",
        "labels": {"en": "Cooperation agency", "es": "Agencia de cooperación",
                   "pt": "Agência de cooperação", "fr": "Agence de coopération"},
    },
    {
        "code": "competence-centre",
        "labels": {"en": "Competence centre", "es": "Centro de competencia",
                   "pt": "Centro de competência", "fr": "Centre de compétences"},
    },
    {
        "code": "training-institute",
        "labels": {"en": "Training institute", "es": "Instituto de formación",
                   "pt": "Instituto de formação", "fr": "Institut de formation"},
    },
    {
        "code": "university",
        "labels": {"en": "University", "es": "Universidad",
                   "pt": "Universidade", "fr": "Université"},
    },
    {
        "code": "regional-body",
        "labels": {"en": "Regional organization", "es": "Organismo regional",
                   "pt": "Organismo regional", "fr": "Organisation régionale"},
    },
    {
        "code": "un-agency",
        "labels": {"en": "United Nations agency", "es": "Organismo de las Naciones Unidas",
                   "pt": "Agência das Nações Unidas", "fr": "Institution des Nations Unies"},
    },
    {
        "code": "fund-donor",
        "labels": {"en": "Fund or donor", "es": "Fondo o donante",
                   "pt": "Fundo ou doador", "fr": "Fonds ou bailleur de fonds"},
    },
    {
        "code": "private-company",
        "labels": {"en": "Private company", "es": "Empresa privada",
                   "pt": "Empresa privada", "fr": "Entreprise privée"},
    },
    {
        "code": "ngo",
        "labels": {"en": "Non-governmental organization",
                   "es": "Organización no gubernamental",
                   "pt": "Organização não governamental",
                   "fr": "Organisation non gouvernementale"},
    },
]

# ---------------------------------------------------------------------------
# Offer terms (who bears the cost of an offer)
# ---------------------------------------------------------------------------

TERMS: list[dict[str, Any]] = [
    {
        "code": "in-kind",
        "labels": {"en": "In kind", "es": "En especie",
                   "pt": "Contribuição não financeira", "fr": "En nature"},
    },
    {
        "code": "cost-shared",
        "labels": {"en": "Cost-shared", "es": "Costos compartidos",
                   "pt": "Custos compartilhados", "fr": "Coûts partagés"},
    },
    {
        "code": "paid",
        "labels": {"en": "Paid", "es": "De pago",
                   "pt": "Pago", "fr": "Payant"},
    },
]

# ---------------------------------------------------------------------------
# Activities, contributions and party roles
# ---------------------------------------------------------------------------

ACTIVITY_KINDS: list[dict[str, Any]] = [
    {
        "code": "expert-mission",
        "labels": {"en": "Expert mission", "es": "Misión de expertos",
                   "pt": "Missão de especialistas", "fr": "Mission d'experts"},
    },
    {
        "code": "training",
        "labels": {"en": "Training", "es": "Capacitación",
                   "pt": "Capacitação", "fr": "Formation"},
    },
    {
        "code": "study-visit",
        "labels": {"en": "Study visit", "es": "Visita de estudio",
                   "pt": "Visita de estudo", "fr": "Visite d'étude"},
    },
    {
        "code": "virtual-session",
        "labels": {"en": "Virtual session", "es": "Sesión virtual",
                   "pt": "Sessão virtual", "fr": "Séance virtuelle"},
    },
]

CONTRIBUTION_KINDS: list[dict[str, Any]] = [
    {
        "code": "money",
        "labels": {"en": "Financial contribution", "es": "Aporte financiero",
                   "pt": "Contribuição financeira", "fr": "Contribution financière"},
    },
    {
        "code": "expert-days",
        "labels": {"en": "Expert days", "es": "Días de experto",
                   "pt": "Dias de especialista", "fr": "Jours d'expertise"},
    },
    {
        "code": "hosting",
        "labels": {"en": "Hosting (venue and logistics)",
                   "es": "Acogida (sede y logística)",
                   "pt": "Acolhimento (local e logística)",
                   "fr": "Accueil (lieu et logistique)"},
    },
    {
        "code": "in-kind-other",
        "labels": {"en": "Other in-kind contribution", "es": "Otro aporte en especie",
                   "pt": "Outra contribuição não financeira",
                   "fr": "Autre contribution en nature"},
    },
]

PARTY_ROLES: list[dict[str, Any]] = [
    {
        "code": "requester",
        "labels": {"en": "Requester", "es": "Solicitante",
                   "pt": "Solicitante", "fr": "Demandeur"},
    },
    {
        "code": "provider",
        "labels": {"en": "Provider", "es": "Oferente",
                   "pt": "Ofertante", "fr": "Prestataire"},
    },
    {
        "code": "facilitator",
        "labels": {"en": "Facilitator", "es": "Facilitador",
                   "pt": "Facilitador", "fr": "Facilitateur"},
    },
    {
        "code": "partner",
        "labels": {"en": "Partner", "es": "Socio",
                   "pt": "Parceiro", "fr": "Partenaire"},
    },
]

LANGUAGES: tuple[str, ...] = ("en", "es", "pt", "fr")


def label(items: list[dict], code: str, lang: str) -> str:
    """Return the label of ``code`` in ``lang`` from one of the lists above.

    Items are matched on ``"code"``, or on ``"number"`` for :data:`SDGS`
    (so ``label(SDGS, "7", "fr")`` works). A regional variant such as
    ``"pt-BR"`` is reduced to its base language. Falls back to English when
    the language is missing, and to ``code`` itself when it is unknown.
    """
    base = (lang or "en").split("-")[0].split("_")[0].lower()
    wanted = str(code)
    for item in items:
        key = item.get("code", item.get("number"))
        if str(key) == wanted:
            labels: dict[str, str] = item.get("labels", {})
            return labels.get(base) or labels.get("en") or wanted
    return wanted
